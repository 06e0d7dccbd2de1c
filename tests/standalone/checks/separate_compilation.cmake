# cmake -DNM=nm -DUSER_OBJECT=o -DBINARY=b -DENGINE_ONCE=engine_once.cmake -P separate_compilation.cmake
# (run by ../separate_compilation.cmake). The user's object file, compiled with
# KCORO_SEPARATE_COMPILATION, must refer to the engine without compiling its sender or the members
# it only calls; the program must hold the engine once and run.
execute_process(COMMAND ${NM} -C ${USER_OBJECT} OUTPUT_VARIABLE symbols RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${NM} failed on ${USER_OBJECT}")
endif()
string(REPLACE "\n" ";" lines "${symbols}")
set(defined 0)
set(referred 0)
foreach(line IN LISTS lines)
  if(line MATCHES "(broker_sender|broker_connection|metadata_refresher|producer_id_requester|transaction_manager|producer_engine)<[^>]*>::")
    if(line MATCHES "^ +U ")
      math(EXPR referred "${referred} + 1")
    else()
      math(EXPR defined "${defined} + 1")
      # The sender is the engine's largest part; no path from the producer's inline code reaches it.
      if(line MATCHES "broker_sender<")
        message(FATAL_ERROR "the user's object compiles the sender itself: ${line}")
      endif()
      # The engine's cold members are defined outside its class so that they are not inline:
      # defined in the class again, each would be compiled here with the loops it starts.
      if(line MATCHES "producer_engine<[^>]*>::(~?producer_engine|start|flush|close|abandon|wait_for_metadata|init_transactions|commit_transaction|abort_transaction|offsets_to_transaction)\\("
         OR line MATCHES "(metadata_refresher|producer_id_requester)<[^>]*>::loop\\(")
        message(FATAL_ERROR "the user's object compiles a member it only calls: ${line}")
      endif()
    endif()
  endif()
endforeach()
if(referred EQUAL 0)
  message(FATAL_ERROR "the user's object refers to none of the engine's functions: is it only declared?")
endif()
message(STATUS "user object: ${referred} of the engine's functions referred to, ${defined} compiled inline")
include(${ENGINE_ONCE})
execute_process(COMMAND ${BINARY} RESULT_VARIABLE run_rc)
if(NOT run_rc EQUAL 0)
  message(FATAL_ERROR "${BINARY} exited with ${run_rc}")
endif()
message(STATUS "SUMMARY: separate compilation: the user's file refers to ${referred} engine functions and compiles ${defined} inline; the program links, holds one engine, and runs")
