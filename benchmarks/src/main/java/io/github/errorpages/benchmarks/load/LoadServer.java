package io.github.errorpages.benchmarks.load;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.Charset;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.jspecify.annotations.Nullable;

/**
 * Starts one {@link Scenario} in this JVM, prints {@code READY port=N} on standard output, and runs until
 * standard input is closed (the harness closes it, or the harness dies). Arguments:
 * {@code SCENARIO [UPSTREAM_URL]}. Once it listens, its log (slf4j-simple's, on {@link System#err}) goes to
 * {@code /dev/null}: the harness keeps the standard error in a file to say why a server did not start, and the log
 * lines of a measurement written to that file would add their cost to the CPU measured per request.
 */
public final class LoadServer {

    private LoadServer() {
    }

    /**
     * @param args the scenario name and, for proxy scenarios, the upstream URL
     * @throws Exception when the server cannot start
     */
    public static void main(String[] args) throws Exception {
        Scenario scenario = Scenario.valueOf(args[0]);
        @Nullable URI upstream = args.length > 1 ? URI.create(args[1]) : null;
        Server server = scenario.start(0, upstream);
        int port = ((ServerConnector) server.getConnectors()[0]).getLocalPort();
        // As System.err was made (a 128-byte buffer, flushed at each line), so that a log line costs what it did.
        System.setErr(new PrintStream(new BufferedOutputStream(new FileOutputStream("/dev/null"), 128), true,
                Charset.defaultCharset()));
        System.out.println("READY port=" + port);
        System.out.flush();
        waitForEndOfInput(System.in);
        server.stop();
    }

    private static void waitForEndOfInput(InputStream in) {
        try {
            while (in.read() != -1) {
                // keep reading: the harness never writes, it only closes
            }
        } catch (IOException closed) {
            // the harness went away
        }
    }
}
