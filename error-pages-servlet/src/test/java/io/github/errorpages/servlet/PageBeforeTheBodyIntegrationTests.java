package io.github.errorpages.servlet;

import static io.github.errorpages.servlet.KeepAliveConnection.readResponse;
import static io.github.errorpages.servlet.KeepAliveConnection.send;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import io.undertow.Undertow;
import io.undertow.servlet.Servlets;
import io.undertow.servlet.api.DeploymentInfo;
import io.undertow.servlet.api.DeploymentManager;
import io.undertow.servlet.util.ImmediateInstanceFactory;
import jakarta.servlet.http.HttpServlet;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.util.Locale;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A proxy whose breaker is open answers a POST before it reads the body (R47: fail fast), on a keep-alive HTTP/1.1
 * connection: where the container then closes the connection, the page says so ({@code Connection: close}, RFC 9112
 * §9.6), and where it keeps it the client's next request on it is answered.
 */
class PageBeforeTheBodyIntegrationTests {

    private static final String BODY = "order=42&note=urgent";
    private static final String POST_HEAD = "POST /proxy/a HTTP/1.1\r\nHost: x\r\nAccept: text/plain\r\n"
            + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + BODY.length() + "\r\n\r\n";
    /** Longer than a body Jetty discards whole (64 KiB), and than the guard buffers to send again. */
    private static final int LONG_BODY = 100_000;
    private static final String NEXT = "GET /proxy/b HTTP/1.1\r\nHost: x\r\nAccept: text/plain\r\n\r\n";

    private int port;

    /**
     * The body not sent yet when the page is: Jetty (either transport) closes the connection and says so, Tomcat
     * says so (its 503s do) and closes it once it read the body; Undertow discards the body and answers the next
     * request on the same connection.
     */
    @ParameterizedTest
    @ValueSource(strings = {"jetty:JETTY", "jetty:JDK", "tomcat:JDK", "undertow:JDK"})
    void aPageBeforeTheBodyArrivedSaysWhetherTheConnectionEnds(String which) throws Exception {
        try (FaultyUpstream upstream = FaultyUpstream.start(Behaviour.ok());
                AutoCloseable server = start(which, openBreaker(upstream));
                Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            send(out, POST_HEAD);
            String page = readResponse(in);
            assertThat(page).startsWith("HTTP/1.1 503");
            if (which.startsWith("undertow")) {
                assertThat(page.toLowerCase(Locale.ROOT)).doesNotContain("connection: close");
                send(out, BODY + NEXT);
                assertThat(readResponse(in)).as("the next request on the connection").startsWith("HTTP/1.1 503");
            } else {
                assertThat(page.toLowerCase(Locale.ROOT)).as("the page of %s", which).contains("connection: close");
                if (which.startsWith("tomcat")) {
                    send(out, BODY); // Tomcat reads the body it was sent, then closes
                }
                assertThat(in.read()).as("the connection closed after the page").isEqualTo(-1);
            }
        }
    }

    /**
     * The body sent with the head: Jetty discards it and keeps the connection, as before, and so does Undertow;
     * Tomcat closes it after any 503 and says so.
     */
    @ParameterizedTest
    @ValueSource(strings = {"jetty:JETTY", "jetty:JDK", "tomcat:JDK", "undertow:JDK"})
    void aPageAfterTheWholeBodyArrivedKeepsTheConnectionWhereTheContainerDoes(String which) throws Exception {
        try (FaultyUpstream upstream = FaultyUpstream.start(Behaviour.ok());
                AutoCloseable server = start(which, openBreaker(upstream));
                Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            send(out, POST_HEAD + BODY);
            String page = readResponse(in);
            assertThat(page).startsWith("HTTP/1.1 503");
            if (which.startsWith("tomcat")) {
                assertThat(page.toLowerCase(Locale.ROOT)).contains("connection: close");
                assertThat(in.read()).isEqualTo(-1);
            } else {
                assertThat(page.toLowerCase(Locale.ROOT)).as("the page of %s", which)
                        .doesNotContain("connection: close");
                send(out, NEXT);
                assertThat(readResponse(in)).as("the next request on the connection").startsWith("HTTP/1.1 503");
            }
        }
    }

    /**
     * Forwarded, the body is not asked for when the upstream refuses the connection: the page comes before the body
     * did, and the connection ends as with an open breaker, said on Jetty (the JDK transport, and the Jetty
     * transport when it waits on the container's thread), kept on Undertow.
     */
    @ParameterizedTest
    @ValueSource(strings = {"jetty:JDK", "undertow:JDK"})
    void aPageForARefusedConnectionBeforeTheBodyArrivedSaysWhetherTheConnectionEnds(String which) throws Exception {
        try (AutoCloseable server = start(which, refusingUpstream());
                Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            send(out, POST_HEAD);
            String page = readResponse(in);
            assertThat(page).startsWith("HTTP/1.1 502");
            if (which.startsWith("undertow")) {
                assertThat(page.toLowerCase(Locale.ROOT)).doesNotContain("connection: close");
                send(out, BODY + NEXT);
                assertThat(readResponse(in)).as("the next request on the connection").startsWith("HTTP/1.1 502");
            } else {
                assertThat(page.toLowerCase(Locale.ROOT)).as("the page of %s", which).contains("connection: close");
                assertThat(in.read()).as("the connection closed after the page").isEqualTo(-1);
            }
        }
    }

    /**
     * Forwarded asynchronously by the Jetty transport (its usual path), the body is not asked for when the upstream
     * refuses the connection: the 502 (R2) comes from the asynchronous cycle before the body did, a long one (its first
     * part sent) or a chunked one (its first chunk sent). Jetty then closes the connection, and the page says so
     * (RFC 9112 §9.6); Tomcat and Undertow read the rest of the body and answer the next request on the connection.
     */
    @ParameterizedTest
    @ValueSource(strings = {"jetty:long", "jetty:chunked", "tomcat:long", "tomcat:chunked", "undertow:long",
            "undertow:chunked"})
    void anAsynchronousPageForARefusedConnectionBeforeTheBodyArrivedSaysWhetherTheConnectionEnds(String which)
            throws Exception {
        String[] parts = which.split(":");
        boolean chunked = parts[1].equals("chunked");
        String head = "POST /proxy/a HTTP/1.1\r\nHost: x\r\nAccept: text/plain\r\nContent-Type: text/plain\r\n"
                + (chunked ? "Transfer-Encoding: chunked" : "Content-Length: " + LONG_BODY) + "\r\n\r\n";
        String firstPart = chunked ? "5\r\nhello\r\n" : "x".repeat(8 * 1024);
        String rest = chunked ? "0\r\n\r\n" : "x".repeat(LONG_BODY - firstPart.length());
        try (AutoCloseable server = start(parts[0] + ":JETTY", refusingUpstream());
                Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            send(out, head + firstPart);
            String page = readResponse(in);
            assertThat(page).startsWith("HTTP/1.1 502");
            if (parts[0].equals("jetty")) {
                assertThat(page.toLowerCase(Locale.ROOT)).as("the page of %s", which).contains("connection: close");
                assertThat(in.read()).as("the connection closed after the page").isEqualTo(-1);
            } else {
                assertThat(page.toLowerCase(Locale.ROOT)).as("the page of %s", which)
                        .doesNotContain("connection: close");
                send(out, rest + NEXT);
                assertThat(readResponse(in)).as("the next request on the connection").startsWith("HTTP/1.1 502");
            }
        }
    }

    /**
     * A short body that came whole with its head, on the Jetty transport's asynchronous path: discarded, and the
     * connection kept on Jetty and Undertow, when the upstream refused the connection before asking for it.
     */
    @ParameterizedTest
    @ValueSource(strings = {"jetty:JETTY", "undertow:JETTY"})
    void anAsynchronousPageForARefusedConnectionAfterTheWholeBodyArrivedKeepsTheConnection(String which)
            throws Exception {
        try (AutoCloseable server = start(which, refusingUpstream());
                Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            send(out, POST_HEAD + BODY);
            String page = readResponse(in);
            assertThat(page).startsWith("HTTP/1.1 502");
            assertThat(page.toLowerCase(Locale.ROOT)).as("the page of %s", which).doesNotContain("connection: close");
            send(out, NEXT);
            assertThat(readResponse(in)).as("the next request on the connection").startsWith("HTTP/1.1 502");
        }
    }

    private static UpstreamGuard refusingUpstream() {
        return UpstreamGuard.of(UpstreamConfig.builder("orders")
                .endpoints(URI.create("http://127.0.0.1:" + FaultyUpstream.closedPort())).build());
    }

    private static UpstreamGuard openBreaker(FaultyUpstream upstream) {
        UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("orders").endpoints(upstream.uri()).build());
        guard.circuitBreakers().get(0).transitionToForcedOpenState();
        return guard;
    }

    /** The proxy of the guard's upstream on the container and with the transport named. */
    private AutoCloseable start(String which, UpstreamGuard guard) throws Exception {
        String[] parts = which.split(":");
        ReverseProxyServlet proxy = ReverseProxyServlet.builder(guard).transport(ProxyTransport.valueOf(parts[1]))
                .build();
        switch (parts[0]) {
            case "jetty" -> {
                JettyServer server = new JettyServer();
                server.servlet("/proxy/*", proxy);
                server.start();
                port = server.port();
                return server;
            }
            case "tomcat" -> {
                TomcatServer server = TomcatServer.inCode().servlet("/proxy/*", proxy).start();
                port = server.uri("/").getPort();
                return server;
            }
            default -> {
                DeploymentInfo info = Servlets.deployment().setClassLoader(getClass().getClassLoader())
                        .setContextPath("/").setDeploymentName("proxy")
                        .addServlet(Servlets.servlet("proxy", HttpServlet.class,
                                new ImmediateInstanceFactory<HttpServlet>(proxy)).addMapping("/proxy/*")
                                .setAsyncSupported(true));
                DeploymentManager manager = Servlets.defaultContainer().addDeployment(info);
                manager.deploy();
                Undertow undertow = Undertow.builder().addHttpListener(0, "127.0.0.1").setHandler(manager.start())
                        .build();
                undertow.start();
                port = ((InetSocketAddress) undertow.getListenerInfo().get(0).getAddress()).getPort();
                return () -> {
                    undertow.stop();
                    manager.stop();
                    manager.undeploy();
                };
            }
        }
    }
}
