package io.github.errorpages.servlet;

import static io.github.errorpages.servlet.KeepAliveConnection.readResponse;
import static io.github.errorpages.servlet.KeepAliveConnection.send;
import static org.assertj.core.api.Assertions.assertThat;

import io.undertow.Undertow;
import io.undertow.servlet.Servlets;
import io.undertow.servlet.api.DeploymentInfo;
import io.undertow.servlet.api.DeploymentManager;
import io.undertow.servlet.util.ImmediateInstanceFactory;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.MultipartConfigElement;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link ErrorPagesFilter}'s page for an application that failed (its upstream refused the connection: the 502 of R2)
 * before it read the body of a POST, on a keep-alive HTTP/1.1 connection: where the container then closes the
 * connection, the page says so ({@code Connection: close}, RFC 9112 §9.6), and where it keeps it, or the body was read
 * whole, the client's next request on it is answered.
 */
class FilterPageBeforeTheBodyIntegrationTests {

    /** Longer than a body discarded whole (64 KiB). */
    private static final int LONG_BODY = 100_000;
    private static final String NEXT = "GET /next HTTP/1.1\r\nHost: x\r\nAccept: text/plain\r\n\r\n";

    private int port;

    /**
     * The application took nothing of the body ({@code none}), read part of it ({@code part}), or set an intercepted
     * status without reading it ({@code status}), of which the client sent only a first part, or the first chunk: Jetty
     * closes the connection after the page, which says so; Tomcat and Undertow read the rest and answer the next
     * request on the connection.
     */
    @ParameterizedTest
    @ValueSource(strings = {"jetty:long:none", "jetty:chunked:none", "jetty:long:part", "jetty:chunked:part",
            "jetty:long:status", "tomcat:long:none", "tomcat:chunked:none", "tomcat:long:part", "undertow:long:none",
            "undertow:chunked:none", "undertow:long:part"})
    void aPageBeforeTheBodyWasReadSaysWhetherTheConnectionEnds(String which) throws Exception {
        String[] parts = which.split(":");
        boolean chunked = parts[1].equals("chunked");
        String head = "POST /" + parts[2] + " HTTP/1.1\r\nHost: x\r\nAccept: text/plain\r\nContent-Type: text/plain\r\n"
                + (chunked ? "Transfer-Encoding: chunked" : "Content-Length: " + LONG_BODY) + "\r\n\r\n";
        String firstPart = chunked ? "2000\r\n" + "x".repeat(0x2000) + "\r\n" : "x".repeat(8 * 1024);
        String rest = chunked ? "0\r\n\r\n" : "x".repeat(LONG_BODY - firstPart.length());
        try (AutoCloseable server = start(parts[0]);
                Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            send(out, head + firstPart);
            String page = readResponse(in);
            assertThat(page).startsWith(parts[2].equals("status") ? "HTTP/1.1 503" : "HTTP/1.1 502");
            if (parts[0].equals("jetty")) {
                assertThat(page.toLowerCase(Locale.ROOT)).as("the page of %s", which).contains("connection: close");
                assertThat(in.read()).as("the connection closed after the page").isEqualTo(-1);
            } else {
                assertThat(page.toLowerCase(Locale.ROOT)).as("the page of %s", which)
                        .doesNotContain("connection: close");
                send(out, rest + NEXT);
                assertThat(readResponse(in)).as("the next request on the connection").startsWith("HTTP/1.1 200");
            }
        }
    }

    /**
     * On Jetty, a body the application read to its end ({@code all}), or up to its length without reading its end
     * ({@code exact}), a short one it did not read, or read part of, that came whole with the head ({@code none},
     * {@code part}: discarded), and a form or multipart body Jetty parsed for the application's {@code getParameter}
     * ({@code param}, and {@code longparam} of 100 KB, longer than a body discarded) or {@code getParts}
     * ({@code multipart}), or for a filter's in front of {@link ErrorPagesFilter} ({@code front}, as Spring's
     * {@code HiddenHttpMethodFilter} asks for its {@code _method}), keep the connection: the page does not say
     * {@code Connection: close}, and the next request on it is answered (R2's 502, RFC 9112 §9.6).
     */
    @ParameterizedTest
    @ValueSource(strings = {"none", "exact", "all", "part", "param", "longparam", "multipart", "front"})
    void aPageAfterTheWholeBodyArrivedKeepsTheConnectionOnJetty(String read) throws Exception {
        String body = switch (read) {
            case "longparam" -> "order=42&note=" + "x".repeat(LONG_BODY);
            case "multipart" -> "--b\r\nContent-Disposition: form-data; name=\"order\"\r\n\r\n42\r\n--b--\r\n";
            default -> "order=42&note=urgent";
        };
        String type = switch (read) {
            case "param", "longparam", "front" -> "application/x-www-form-urlencoded";
            case "multipart" -> "multipart/form-data; boundary=b";
            default -> "text/plain";
        };
        try (AutoCloseable server = start("jetty");
                Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            send(out, "POST /" + read + " HTTP/1.1\r\nHost: x\r\nAccept: text/plain\r\nContent-Type: " + type
                    + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
            String page = readResponse(in);
            assertThat(page).startsWith("HTTP/1.1 502");
            assertThat(page.toLowerCase(Locale.ROOT)).as("the page after %s", read).doesNotContain("connection: close");
            send(out, NEXT);
            assertThat(readResponse(in)).as("the next request on the connection").startsWith("HTTP/1.1 200");
        }
    }

    /**
     * On Tomcat and Undertow, which keep the connection after a page (or say they close it) whatever of the body the
     * application read, the filter notes nothing of the body it took, as a stream ({@code stream}) or as characters
     * ({@code reader}), in the request's attributes, which the application lists (and may copy: the stream is not
     * serializable).
     */
    @ParameterizedTest
    @ValueSource(strings = {"tomcat:stream", "tomcat:reader", "undertow:stream", "undertow:reader"})
    void theBodyTakenAddsNoAttributeWhereTheContainerKeepsTheConnection(String which) throws Exception {
        String[] parts = which.split(":");
        String body = "order=42&note=urgent";
        try (AutoCloseable server = start(parts[0]);
                Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            send(out, "POST /attributes-" + parts[1] + " HTTP/1.1\r\nHost: x\r\nAccept: text/plain\r\n"
                    + "Content-Type: text/plain\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            String head = readResponse(in, answer);
            assertThat(head).startsWith("HTTP/1.1 200");
            assertThat(answer.toString(StandardCharsets.UTF_8)).as("the request's attributes")
                    .doesNotContain("UnreadBodies");
        }
    }

    /**
     * On Jetty, the page of an asynchronous cycle that timed out (its listener's {@code sendError(503)}, an intercepted
     * status, then {@code complete()}) while a thread of the application's holds the body, of which it read part,
     * reads nothing of it from the page's thread, where the two would take each other's bytes: with the body not read
     * to its end, the page says {@code Connection: close} (RFC 9112 §9.6), and the connection ends after it.
     */
    @Test
    void aTimeoutPageReadsNothingOfABodyAnApplicationThreadHolds() throws Exception {
        String body = "order=42&note=urgent";
        CountDownLatch partRead = new CountDownLatch(1);
        CountDownLatch released = new CountDownLatch(1);
        HttpServlet application = TestServlets.servlet((request, response) -> {
            AsyncContext context = request.startAsync();
            context.setTimeout(200);
            context.addListener(new AsyncListener() {
                @Override
                public void onTimeout(AsyncEvent event) throws IOException {
                    try {
                        partRead.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    ((HttpServletResponse) event.getSuppliedResponse()).sendError(503);
                    event.getAsyncContext().complete();
                }

                @Override
                public void onComplete(AsyncEvent event) {
                }

                @Override
                public void onError(AsyncEvent event) {
                }

                @Override
                public void onStartAsync(AsyncEvent event) {
                }
            });
            ServletInputStream stream = request.getInputStream();
            context.start(() -> {
                try {
                    stream.readNBytes(10);
                    partRead.countDown();
                    released.await(10, TimeUnit.SECONDS); // the application's thread, still with the body
                } catch (IOException | InterruptedException ignored) {
                    // the cycle ended
                }
            });
        });
        try (JettyServer server = new JettyServer()) {
            server.filter(new ErrorPagesFilter());
            server.servlet("/*", application);
            server.start();
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
                socket.setSoTimeout(10_000);
                OutputStream out = socket.getOutputStream();
                InputStream in = socket.getInputStream();
                send(out, "POST /async HTTP/1.1\r\nHost: x\r\nAccept: text/plain\r\nContent-Type: text/plain\r\n"
                        + "Content-Length: " + body.length() + "\r\n\r\n" + body);
                String page = readResponse(in);
                assertThat(page).startsWith("HTTP/1.1 503");
                assertThat(page.toLowerCase(Locale.ROOT)).contains("connection: close");
                assertThat(in.read()).as("the connection closed after the page").isEqualTo(-1);
            } finally {
                released.countDown();
            }
        }
    }

    /**
     * The application: a GET is answered with 200; a POST to {@code /none} fails before it reads the body (a refused
     * connection), to {@code /part} after reading 10 bytes of it, to {@code /exact} after reading as many bytes as its
     * {@code Content-Length} says (not its end), to {@code /all} after reading it to its end, to {@code /param} and
     * {@code /longparam} after {@code getParameter}, to {@code /multipart} after {@code getParts}; a POST to
     * {@code /status} answers 503 without reading it, one to {@code /attributes-stream} or {@code /attributes-reader}
     * answers 200 with the names of the request's attributes, once it read the body to its end as a stream or as
     * characters.
     */
    private static HttpServlet application() {
        return TestServlets.servlet((request, response) -> {
            if (request.getMethod().equals("GET")) {
                response.setContentType("text/plain");
                response.getWriter().write("ok");
                return;
            }
            switch (request.getRequestURI()) {
                case "/part" -> request.getInputStream().readNBytes(10);
                case "/exact" -> request.getInputStream().readNBytes(request.getContentLength());
                case "/all" -> request.getInputStream().readAllBytes();
                case "/attributes-stream", "/attributes-reader" -> {
                    if (request.getRequestURI().endsWith("stream")) {
                        request.getInputStream().readAllBytes();
                    } else {
                        request.getReader().lines().count();
                    }
                    byte[] names = String.join(",", Collections.list(request.getAttributeNames()))
                            .getBytes(StandardCharsets.UTF_8);
                    response.setContentType("text/plain");
                    response.setContentLength(names.length);
                    response.getOutputStream().write(names);
                    return;
                }
                case "/param", "/longparam" -> request.getParameter("order");
                case "/multipart" -> request.getParts();
                case "/status" -> {
                    response.sendError(503);
                    return;
                }
                default -> {
                    // nothing of the body
                }
            }
            throw new ConnectException("Connection refused");
        });
    }

    /** The filter in front of the application, on the container named. */
    private AutoCloseable start(String container) throws Exception {
        HttpServlet application = application();
        Filter filter = new ErrorPagesFilter();
        switch (container) {
            case "jetty" -> {
                JettyServer server = new JettyServer();
                // In front of ErrorPagesFilter, as Spring's HiddenHttpMethodFilter: the form parsed before it.
                server.filter((request, response, chain) -> {
                    if (((HttpServletRequest) request).getRequestURI().equals("/front")) {
                        request.getParameter("_method");
                    }
                    chain.doFilter(request, response);
                });
                server.filter(filter);
                ServletHolder holder = new ServletHolder(application);
                holder.setAsyncSupported(true);
                holder.getRegistration().setMultipartConfig(new MultipartConfigElement(""));
                server.context().addServlet(holder, "/*");
                server.start();
                port = server.port();
                return server;
            }
            case "tomcat" -> {
                TomcatServer server = TomcatServer.inCode().filter(filter).servlet("/*", application).start();
                port = server.uri("/").getPort();
                return server;
            }
            default -> {
                DeploymentInfo info = Servlets.deployment().setClassLoader(getClass().getClassLoader())
                        .setContextPath("/").setDeploymentName("application")
                        .addFilter(Servlets.filter("errorPagesFilter", Filter.class,
                                new ImmediateInstanceFactory<Filter>(filter)).setAsyncSupported(true))
                        .addFilterUrlMapping("errorPagesFilter", "/*", DispatcherType.REQUEST)
                        .addFilterUrlMapping("errorPagesFilter", "/*", DispatcherType.ASYNC)
                        .addServlet(Servlets.servlet("application", HttpServlet.class,
                                new ImmediateInstanceFactory<HttpServlet>(application)).addMapping("/*")
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
