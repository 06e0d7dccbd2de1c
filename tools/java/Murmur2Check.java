// Prints "<murmur2> <partition>" for each hex-encoded key read from stdin, using the Java client's
// own Utils.murmur2 and the default partitioner's formula, for the partition count in args[0].
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Utils;

public class Murmur2Check {
    public static void main(String[] args) throws Exception {
        int partitions = Integer.parseInt(args[0]);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        StringBuilder out = new StringBuilder();
        String line;
        while ((line = in.readLine()) != null) {
            byte[] key = new byte[line.length() / 2];
            for (int i = 0; i < key.length; i++) key[i] = (byte) Integer.parseInt(line.substring(2 * i, 2 * i + 2), 16);
            int h = Utils.murmur2(key);
            out.append(h).append(' ').append(Utils.toPositive(h) % partitions).append('\n');
        }
        System.out.print(out);
    }
}
