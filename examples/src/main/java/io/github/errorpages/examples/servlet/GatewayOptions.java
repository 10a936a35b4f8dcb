package io.github.errorpages.examples.servlet;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * The command line of {@link GatewayDemo}: {@code [--host H] [--port N] [--upstream URL]... [--help]}.
 * Each option is written {@code --name value} or {@code --name=value}.
 *
 * @param host the interface the gateway listens on; {@value #DEFAULT_HOST} (loopback only) unless told otherwise
 * @param port the gateway's port; 0 picks a free one
 * @param upstreams the upstream's base URLs, tried in turn for failover; empty: start the built-in demo upstream
 * @param help whether only the usage was asked for
 */
public record GatewayOptions(String host, int port, List<URI> upstreams, boolean help) {

    /** The interface listened on by default: loopback, so that the demo is not reachable from the network. */
    public static final String DEFAULT_HOST = "127.0.0.1";
    /** The port listened on by default. */
    public static final int DEFAULT_PORT = 8080;
    /** What {@code --help} prints. */
    public static final String USAGE = """
            Usage: GatewayDemo [--port N] [--host H] [--upstream URL]...
              --port N        the gateway's port (default 8080; 0 picks a free one)
              --host H        the interface to listen on (default 127.0.0.1, loopback only)
              --upstream URL  an upstream base URL such as http://127.0.0.1:3000; repeat it for failover.
                              Default: start the built-in demo upstream, whose behaviour /_demo switches.
              --help          print this and exit
            With the README's Maven command, pass them as -Ddemo.args='--port 9090 --upstream http://127.0.0.1:3000'
            """;

    /**
     * @throws NullPointerException if {@code host} or {@code upstreams} is null
     */
    public GatewayOptions {
        Objects.requireNonNull(host, "host");
        upstreams = List.copyOf(upstreams);
    }

    /**
     * Reads the command line.
     *
     * @param args the arguments of {@code main}
     * @return the options
     * @throws IllegalArgumentException naming the option and the value when an option is unknown, given twice
     *     (but {@code --upstream}), lacks its value or has an invalid one
     */
    public static GatewayOptions parse(String... args) {
        String host = DEFAULT_HOST;
        int port = DEFAULT_PORT;
        List<URI> upstreams = new ArrayList<>();
        Set<String> given = new HashSet<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                return new GatewayOptions(host, port, upstreams, true);
            }
            int equals = arg.indexOf('=');
            String name = equals > 0 ? arg.substring(0, equals) : arg;
            if (name.equals("--help") || name.equals("-h")) {
                throw new IllegalArgumentException(name + " takes no value, but was " + arg);
            }
            if (!name.equals("--port") && !name.equals("--host") && !name.equals("--upstream")) {
                throw new IllegalArgumentException(
                        "Unknown option " + name + " (known: --port, --host, --upstream, --help)");
            }
            String value;
            if (equals > 0) {
                value = arg.substring(equals + 1);
            } else if (i + 1 < args.length && args[i + 1].startsWith("--")) {
                // No host, port or URL starts so: the next option, the value forgotten.
                throw new IllegalArgumentException(name + " needs a value, but was followed by " + args[i + 1]);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new IllegalArgumentException(name + " needs a value");
            }
            // Only --upstream repeats: a second --port or --host is a slip (one of two pasted lines), not a choice.
            if (!name.equals("--upstream") && !given.add(name)) {
                throw new IllegalArgumentException(name + " is given twice, the second time as " + shown(value));
            }
            switch (name) {
                case "--port" -> port = port(value);
                case "--host" -> host = host(value);
                default -> upstreams.add(upstream(value));
            }
        }
        return new GatewayOptions(host, port, upstreams, false);
    }

    /**
     * @return whether the gateway starts the built-in demo upstream (no {@code --upstream} was given)
     */
    public boolean usesDemoUpstream() {
        return upstreams.isEmpty();
    }

    private static int port(String value) {
        // ASCII digits only: Integer.parseInt also reads other scripts' (٨٠٨٠) and a plus sign.
        String digits = value.trim();
        if (digits.matches("[0-9]{1,5}") && Integer.parseInt(digits) <= 65535) {
            return Integer.parseInt(digits);
        }
        throw new IllegalArgumentException("--port must be a number between 0 and 65535, but was " + shown(value));
    }

    private static String host(String value) {
        String host = value.trim();
        // No host name starts with "-" (RFC 1123): one that does is an option where the host was forgotten.
        if (host.isEmpty() || host.startsWith("-") || !host.matches("[A-Za-z0-9.:\\[\\]-]+")) {
            throw new IllegalArgumentException("--host must be a host name or an IP address, but was " + shown(value));
        }
        return host;
    }

    private static URI upstream(String value) {
        try {
            URI uri = new URI(value.trim());
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null && uri.getRawQuery() == null
                    && uri.getRawFragment() == null) {
                return uri;
            }
        } catch (URISyntaxException malformed) {
            // reported below
        }
        throw new IllegalArgumentException("--upstream must be an absolute http or https URL with a host and no "
                + "query or fragment, such as http://127.0.0.1:3000, but was " + shown(value));
    }

    /** @return the value as given, or what it is when there is nothing to show ({@code --port=}) */
    private static String shown(String value) {
        return value.isBlank() ? "an empty value" : value;
    }
}
