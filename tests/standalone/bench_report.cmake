# scripts/bench's report (tools/bench_report.py) on a saved results file: what it prints and writes
# follows from the file's figures (tests/tools/bench_report_test.py).
find_package(Python3 COMPONENTS Interpreter)
if(Python3_Interpreter_FOUND)
  add_test(NAME bench_report COMMAND Python3::Interpreter ${PROJECT_SOURCE_DIR}/tests/tools/bench_report_test.py
                                     ${PROJECT_SOURCE_DIR}/tools/bench_report.py)
endif()
