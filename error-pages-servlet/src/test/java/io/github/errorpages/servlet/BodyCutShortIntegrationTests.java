package io.github.errorpages.servlet;

import static io.github.errorpages.servlet.TestServlets.servlet;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.testing.StandardError;
import jakarta.servlet.MultipartConfigElement;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A client that sends less of a form or a multipart body than its {@code Content-Length} says, then closes its side
 * of the connection: the container reads that body itself for {@code getParameter} or {@code getParts}, through no
 * stream the filter wraps, and its failure is the request connection's own, never an upstream's. Jetty 12.1 throws
 * its {@code HttpException} 400 "Early EOF" (simple name {@code RuntimeException}) caused by its
 * {@code HttpEofException} (a subclass of the {@code EofException} recognised by name), Undertow a
 * {@code RuntimeException} of its {@code IOException} "UT000128: Remote peer closed connection before all data could
 * be read": both were read as {@code connection_terminated}, a branded 502 blaming an upstream and an "error page"
 * WARN line for a client's own cut-short request, where Jetty alone answers 400. The client gets what the container
 * gives without the filter (R2: a 502 is for an upstream's connection, R22: a client's fault is no 5xx of ours).
 */
class BodyCutShortIntegrationTests {

    private static final String FORM = "application/x-www-form-urlencoded";
    private static final String MULTIPART = "multipart/form-data; boundary=XyZ";

    static Stream<Arguments> containersAndReads() {
        List<Arguments> all = new ArrayList<>();
        for (ProxyContainer container : ProxyContainer.values()) {
            for (String read : List.of("parameter", "parameter-map", "parameter-names", "parameter-values")) {
                all.add(Arguments.of(container, read, FORM, "a=1&b=22"));
            }
            for (String read : List.of("parts", "part")) {
                all.add(Arguments.of(container, read, MULTIPART, "--XyZ\r\nContent-Disposition: form-data; name=\"f\";"
                        + " filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nhello wor"));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} server, {1}")
    @MethodSource("containersAndReads")
    void aBodyTheContainerReadsCutShortByTheClientGetsTheContainersAnswer(ProxyContainer container, String read,
            String type, String sent) throws Exception {
        String request = "POST /" + read + " HTTP/1.1\r\nHost: shop.example\r\nAccept: text/html\r\nContent-Type: "
                + type + "\r\nContent-Length: 1000\r\n\r\n" + sent;
        String withoutTheFilter;
        try (ProxyContainer.Server server = container.start(List.of(), reading(), false, multipart())) {
            withoutTheFilter = statusLine(halfClosedExchange(server.port(), request));
        }
        AtomicReference<String> answer = new AtomicReference<>();
        String log;
        try (ProxyContainer.Server server = container.start(List.of(new ErrorPagesFilter()), reading(), false,
                multipart())) {
            log = StandardError.capture(() -> answer.set(halfClosedExchange(server.port(), request)));
        }

        assertThat(statusLine(answer.get())).as("what %s answers without the filter", container)
                .isEqualTo(withoutTheFilter).doesNotStartWith("HTTP/1.1 502");
        assertThat(log).doesNotContain("error page status=", "connection_terminated");
    }

    /** Reads the request's form or multipart body through the container by the way its path names. */
    private static HttpServlet reading() {
        return servlet((request, response) -> response.getWriter().write(switch (request.getRequestURI()) {
            case "/parameter" -> "a=" + request.getParameter("a");
            case "/parameter-map" -> "parameters " + request.getParameterMap().keySet();
            case "/parameter-names" -> "parameters " + Collections.list(request.getParameterNames());
            case "/parameter-values" -> "a=" + String.join(",", values(request));
            case "/parts" -> "parts " + request.getParts().size();
            case "/part" -> "part " + request.getPart("f");
            default -> throw new IllegalArgumentException(request.getRequestURI());
        }));
    }

    private static String[] values(HttpServletRequest request) {
        String[] values = request.getParameterValues("a");
        return values == null ? new String[0] : values;
    }

    private static MultipartConfigElement multipart() {
        return new MultipartConfigElement(System.getProperty("java.io.tmpdir"));
    }

    /**
     * Sends the request, closes the client's side of the connection (the body's end, short of its length) and reads
     * what the server answers until it closes or resets the connection.
     */
    private static String halfClosedExchange(int port, String request) {
        try (Socket client = new Socket("127.0.0.1", port)) {
            client.setSoTimeout(10_000);
            client.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            client.shutdownOutput();
            ByteArrayOutputStream read = new ByteArrayOutputStream();
            try {
                client.getInputStream().transferTo(read);
            } catch (SocketException resetByServer) {
                // what came before the reset is the answer
            }
            return read.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String statusLine(String answer) {
        return answer.lines().findFirst().orElse("(no answer)");
    }
}
