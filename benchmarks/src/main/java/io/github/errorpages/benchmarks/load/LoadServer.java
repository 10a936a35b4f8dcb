package io.github.errorpages.benchmarks.load;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.jspecify.annotations.Nullable;

/**
 * Starts one {@link Scenario} in this JVM, prints {@code READY port=N} on standard output, and runs until
 * standard input is closed (the harness closes it, or the harness dies). Arguments:
 * {@code SCENARIO [UPSTREAM_URL]}.
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
