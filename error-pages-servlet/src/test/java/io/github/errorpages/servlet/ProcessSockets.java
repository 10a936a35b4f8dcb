package io.github.errorpages.servlet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The TCP sockets this JVM holds open, as Linux lists them ({@code /proc/self/fd} and {@code /proc/net/tcp}): for a
 * test that counts the gateway's connections to an upstream running in the same JVM, whose own sockets (on the
 * upstream's port) are told apart by the remote port. Linux only ({@link #available()}). Thread-safe (stateless).
 */
final class ProcessSockets {

    private static final Path DESCRIPTORS = Path.of("/proc/self/fd");
    private static final List<Path> TABLES = List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6"));
    /** The TCP states of {@code /proc/net/tcp}, by their hex code (the kernel's {@code tcp_states.h}). */
    private static final Map<String, String> STATES = Map.ofEntries(Map.entry("01", "ESTABLISHED"),
            Map.entry("02", "SYN_SENT"), Map.entry("03", "SYN_RECV"), Map.entry("04", "FIN_WAIT1"),
            Map.entry("05", "FIN_WAIT2"), Map.entry("06", "TIME_WAIT"), Map.entry("07", "CLOSE"),
            Map.entry("08", "CLOSE_WAIT"), Map.entry("09", "LAST_ACK"), Map.entry("0A", "LISTEN"),
            Map.entry("0B", "CLOSING"));

    private ProcessSockets() {
    }

    /** @return whether the JVM's sockets can be listed here (Linux's {@code /proc}) */
    static boolean available() {
        return Files.isDirectory(DESCRIPTORS) && Files.isReadable(TABLES.get(0));
    }

    /**
     * @param remotePort the port of the other end, an upstream's
     * @return the states ({@code ESTABLISHED}, {@code CLOSE_WAIT}, ...) of the sockets this JVM holds open to that
     *     port, one entry a socket
     */
    static List<String> connectedTo(int remotePort) {
        try {
            Set<String> held = socketInodes();
            List<String> states = new ArrayList<>();
            for (Path table : TABLES) {
                if (!Files.isReadable(table)) {
                    continue;
                }
                List<String> lines = Files.readAllLines(table);
                for (String line : lines.subList(1, lines.size())) {
                    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
                    String[] fields = line.strip().split("\\s+");
                    String remote = fields[2];
                    int port = Integer.parseInt(remote.substring(remote.indexOf(':') + 1), 16);
                    if (port == remotePort && held.contains(fields[9])) {
                        states.add(STATES.getOrDefault(fields[3], fields[3]));
                    }
                }
            }
            return states;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the inodes of the sockets among this JVM's open file descriptors */
    private static Set<String> socketInodes() throws IOException {
        Set<String> inodes = new HashSet<>();
        try (DirectoryStream<Path> descriptors = Files.newDirectoryStream(DESCRIPTORS)) {
            for (Path descriptor : descriptors) {
                String target;
                try {
                    target = Files.readSymbolicLink(descriptor).toString();
                } catch (IOException closedMeanwhile) {
                    continue;
                }
                if (target.startsWith("socket:[")) {
                    inodes.add(target.substring("socket:[".length(), target.length() - 1));
                }
            }
        }
        return inodes;
    }
}
