package io.github.errorpages.servlet;

import static io.github.errorpages.servlet.TestServlets.servlet;
import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What an application writes after setting a status the filter captures, then sets another status in place of it
 * ("down until shown otherwise": {@code setStatus(503)}, the body, {@code setStatus(200)}). Without the filter the
 * container holds the body in its buffer and sends it with the later status; the filter dropped it, and the client got
 * the 200 with an empty body (R21: no soft error, and here no answer at all). Now it holds what fits in the buffer
 * and sends it with the later status. Past the buffer, or after a flush, the container would have committed the
 * captured status with that body, and ignored the later one: the captured status stands, answered with its page.
 * In each container, through the stream and through the writer.
 */
class OutputUnderACapturedStatusIntegrationTests {

    private static final String HEALTH = "{\"db\":\"up\",\"cache\":\"up\"}";

    @ParameterizedTest
    @EnumSource(ProxyContainer.class)
    void aBodyWrittenUnderACapturedStatusGoesOutWithTheStatusSetInItsPlace(ProxyContainer container)
            throws Exception {
        try (ProxyContainer.Server server = container.start(List.of(ErrorPagesFilter.builder().build()),
                new ScriptedServlet(), true)) {
            for (String via : List.of("stream", "writer")) {
                HttpResponse<byte[]> ok = Client.get(server.uri("/?via=" + via + "&then=200"), "application/json");
                assertThat(ok.statusCode()).as(via).isEqualTo(200);
                assertThat(Client.text(ok)).as(via).isEqualTo(HEALTH);

                HttpResponse<byte[]> notFound = Client.get(server.uri("/?via=" + via + "&then=404"),
                        "application/json");
                assertThat(notFound.statusCode()).as(via).isEqualTo(404);
                assertThat(Client.text(notFound)).as(via).isEqualTo(HEALTH);
            }
            HttpResponse<byte[]> formatted = Client.get(server.uri("/?via=printf&then=200"), "application/json");
            assertThat(formatted.statusCode()).isEqualTo(200);
            assertThat(Client.text(formatted)).isEqualTo("up 15");
        }
    }

    @ParameterizedTest
    @EnumSource(ProxyContainer.class)
    void aBodyTheBufferCouldNotHoldOrAFlushKeepsTheCapturedStatusAndItsPage(ProxyContainer container)
            throws Exception {
        try (ProxyContainer.Server server = container.start(List.of(ErrorPagesFilter.builder().build()),
                new ScriptedServlet(), true)) {
            for (String query : List.of("via=stream&size=big", "via=writer&size=big", "via=stream&flush=stream",
                    "via=writer&flush=writer", "via=stream&flush=response")) {
                HttpResponse<byte[]> response = Client.get(server.uri("/?" + query + "&then=200"),
                        "application/json");
                assertThat(response.statusCode()).as(query).isEqualTo(503);
                assertThat(response.headers().firstValue("Content-Type")).as(query)
                        .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
                assertThat(Client.text(response)).as(query).contains("\"status\"").doesNotContain("\"db\"");
            }
        }
    }

    /**
     * Text the writer holds is counted in the bytes the container's writer makes of it, in the response's charset: half
     * the buffer in CJK characters is one and a half buffers in UTF-8, which Jetty and Undertow commit with the 503
     * (R1, R21: the later 200 is ignored there, so the filter's 503 page answers, where counted in characters a 200
     * went out). Tomcat keeps text unencoded in a buffer of characters as large as the response's: there it fits,
     * and goes out with the 200 as without the filter, as does a buffer and a half of one-byte characters, whose first
     * buffer's worth Tomcat encodes into its buffer of bytes without overflowing it. Text whose bytes fit goes out
     * with the 200 everywhere.
     */
    @ParameterizedTest
    @EnumSource(ProxyContainer.class)
    void textIsCountedInTheBytesTheContainersWriterMakesOfIt(ProxyContainer container) throws Exception {
        try (ProxyContainer.Server server = container.start(List.of(ErrorPagesFilter.builder().build()),
                new ScriptedServlet(), true)) {
            HttpResponse<byte[]> overflowing = Client.get(server.uri("/?via=writer&size=cjk&then=200"),
                    "application/json");
            if (container == ProxyContainer.TOMCAT) {
                assertThat(overflowing.statusCode()).isEqualTo(200);
                assertThat(Client.text(overflowing)).startsWith("\u65e5\u65e5").doesNotContain("\"status\"");
            } else {
                assertPage(overflowing, "cjk");
            }

            HttpResponse<byte[]> fitting = Client.get(server.uri("/?via=writer&size=cjk-fitting&then=200"),
                    "application/json");
            assertThat(fitting.statusCode()).isEqualTo(200);
            assertThat(Client.text(fitting)).startsWith("\u00e9\u65e5").endsWith("\u65e5");

            // A buffer and a half of one-byte characters: Tomcat encodes the first buffer's worth into its buffer of
            // bytes, which it fills without overflowing, and keeps the rest in its buffer of characters: no commit
            // there. Jetty and Undertow commit the 503. With one two-byte character first, Tomcat's overflows too.
            HttpResponse<byte[]> ascii = Client.get(server.uri("/?via=writer&size=ascii-and-a-half&then=200"),
                    "application/json");
            if (container == ProxyContainer.TOMCAT) {
                assertThat(ascii.statusCode()).isEqualTo(200);
                assertThat(Client.text(ascii)).matches("x+");
            } else {
                assertPage(ascii, "ascii-and-a-half");
            }
            assertPage(Client.get(server.uri("/?via=writer&size=accent-and-a-half&then=200"), "application/json"),
                    "accent-and-a-half");

            // A buffer made twice as large: Tomcat's buffer of characters keeps its size, and a buffer's worth and
            // a hundred more CJK characters, three buffers in UTF-8, overflow the one of bytes: Tomcat commits too.
            assertPage(Client.get(server.uri("/?via=writer&size=cjk-resized&then=200"), "application/json"),
                    "cjk-resized");
        }
    }

    /**
     * Output exactly as large as the response's buffer: Jetty and Undertow commit the 503 with a full buffer, so the
     * later 200 is ignored and the 503 page answers (R1, R21); Tomcat commits only once the buffer overflows, so
     * without the filter the later 200 goes out with that output, and behind it too, where the filter answered the
     * 503 with its page.
     */
    @ParameterizedTest
    @EnumSource(ProxyContainer.class)
    void outputThatFillsTheBufferExactlyIsHeldAsTheContainerHoldsIt(ProxyContainer container) throws Exception {
        try (ProxyContainer.Server server = container.start(List.of(ErrorPagesFilter.builder().build()),
                new ScriptedServlet(), true)) {
            for (String via : List.of("stream", "writer")) {
                HttpResponse<byte[]> response = Client.get(server.uri("/?via=" + via + "&size=buffer&then=200"),
                        "application/json");
                if (container == ProxyContainer.TOMCAT) {
                    assertThat(response.statusCode()).as(via).isEqualTo(200);
                    assertThat(Client.text(response)).as(via).matches("z+");
                } else {
                    assertPage(response, via);
                }
            }
        }
    }

    /**
     * A body that completes the Content-Length the application set closes the output, and Jetty and Tomcat commit
     * the 503 with it (Servlet 6.0 §5.7): the later 200 is ignored, so the 503 stands with its page (R1, R21), where
     * the filter sent the body with a 200. Undertow, which does not close the output, is answered the same. However
     * the length was set, through the stream or the writer.
     */
    @ParameterizedTest
    @EnumSource(ProxyContainer.class)
    void aBodyThatCompletesItsContentLengthKeepsTheCapturedStatusAndItsPage(ProxyContainer container)
            throws Exception {
        try (ProxyContainer.Server server = container.start(List.of(ErrorPagesFilter.builder().build()),
                new ScriptedServlet(), true)) {
            for (String query : List.of("via=stream&length=int", "via=writer&length=int", "via=stream&length=long",
                    "via=stream&length=header", "via=writer&length=add-header", "via=stream&length=int-header")) {
                assertPage(Client.get(server.uri("/?" + query + "&then=200"), "application/json"), query);
            }
        }
    }

    /**
     * Tomcat's {@code setBufferSize} grows its buffer of bytes but not its buffer of characters, which keeps text
     * unencoded and counts it against a Content-Length in characters: text whose characters fit that buffer is
     * held uncommitted, and the later 200 goes out, behind the filter as without it (R1, R21). The filter had
     * counted it in bytes once the size was set, and answered with the 503 page.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, -1})
    void textAfterTomcatsBufferWasResizedIsHeldAsTomcatHoldsIt(int factor) throws Exception {
        String without = tomcatAnswerAfterResizing(List.of(), factor);

        assertThat(tomcatAnswerAfterResizing(List.of(ErrorPagesFilter.builder().build()), factor)).isEqualTo(without)
                .startsWith("200");
    }

    private static String tomcatAnswerAfterResizing(List<Filter> filters, int factor) throws Exception {
        try (ProxyContainer.Server server = ProxyContainer.TOMCAT.start(filters, servlet((request, response) -> {
            response.setStatus(503);
            response.setContentType("application/json");
            response.setCharacterEncoding("UTF-8");
            int buffer = response.getBufferSize();
            if (factor < 0) {
                // A Content-Length counted right, in UTF-8 bytes; Tomcat counts the writer's characters.
                response.setBufferSize(buffer);
                response.setContentLength(300);
                response.getWriter().write("\u65e5".repeat(100));
            } else {
                // Three quarters of the characters Tomcat's buffer holds, two and a quarter buffers in UTF-8.
                response.setBufferSize(factor * buffer);
                response.getWriter().write("\u65e5".repeat(buffer * 3 / 4));
            }
            response.setStatus(200);
        }), true)) {
            HttpResponse<byte[]> response = Client.get(server.uri("/resized"), "application/json");
            return response.statusCode() + " " + response.headers().firstValue("Content-Type").orElse("-");
        }
    }

    /** Asserts the filter's 503 page in JSON, without the application's body. */
    private static void assertPage(HttpResponse<byte[]> response, String description) {
        assertThat(response.statusCode()).as(description).isEqualTo(503);
        assertThat(response.headers().firstValue("Content-Type")).as(description)
                .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
        assertThat(Client.text(response)).as(description).contains("\"status\"").doesNotContain("\"db\"")
                .doesNotContain("zzz").doesNotContain("xxx")
                .doesNotContain("\u65e5");
    }

    @ParameterizedTest
    @EnumSource(ProxyContainer.class)
    void whatTheContainerWouldHaveClearedIsNotSent(ProxyContainer container) throws Exception {
        try (ProxyContainer.Server server = container.start(List.of(ErrorPagesFilter.builder().build()),
                new ScriptedServlet(), true)) {
            HttpResponse<byte[]> resetBuffer = Client.get(server.uri("/?via=writer&reset-buffer&then=200"),
                    "application/json");
            assertThat(resetBuffer.statusCode()).isEqualTo(200);
            assertThat(Client.text(resetBuffer)).isEqualTo("after the reset");

            HttpResponse<byte[]> sendError = Client.get(server.uri("/?via=stream&send-error=404"), "application/json");
            assertThat(sendError.statusCode()).isEqualTo(404);
            assertThat(Client.text(sendError)).doesNotContain("\"db\"");
        }
    }

    /** Sets 503, writes the health body as the query says, then sets the status it names in its place. */
    private static final class ScriptedServlet extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            response.setStatus(503);
            response.setContentType("application/json");
            response.setCharacterEncoding("UTF-8");
            int buffer = response.getBufferSize();
            if ("cjk-resized".equals(request.getParameter("size"))) {
                response.setBufferSize(2 * buffer);
            }
            String body = switch (String.valueOf(request.getParameter("size"))) {
                case "big" -> HEALTH.repeat(256 * 1024 / HEALTH.length());
                case "buffer" -> "z".repeat(buffer);
                // Half the buffer in characters, one and a half buffers in UTF-8.
                case "cjk" -> "\u65e5".repeat(buffer / 2);
                // Two bytes, then three each: a few bytes less than the buffer in UTF-8.
                case "cjk-fitting" -> "\u00e9" + "\u65e5".repeat((buffer - 3) / 3);
                case "cjk-resized" -> "\u65e5".repeat(buffer + 100);
                // "x", not "a": the page's instance is a UUID, whose hex digits may hold "aaa".
                case "ascii-and-a-half" -> "x".repeat(buffer * 3 / 2);
                case "accent-and-a-half" -> "\u00e9" + "x".repeat(buffer * 3 / 2);
                default -> HEALTH;
            };
            String length = request.getParameter("length");
            if (length != null) {
                int bytes = body.getBytes(StandardCharsets.UTF_8).length;
                switch (length) {
                    case "int" -> response.setContentLength(bytes);
                    case "long" -> response.setContentLengthLong(bytes);
                    case "header" -> response.setHeader("Content-Length", Integer.toString(bytes));
                    case "add-header" -> response.addHeader("Content-Length", Integer.toString(bytes));
                    case "int-header" -> response.setIntHeader("Content-Length", bytes);
                    default -> throw new IllegalArgumentException(length);
                }
            }
            switch (request.getParameter("via")) {
                case "stream" -> response.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
                case "writer" -> response.getWriter().write(body);
                case "printf" -> response.getWriter().printf("up %d", 15);
                default -> throw new IllegalArgumentException(request.getParameter("via"));
            }
            String flush = request.getParameter("flush");
            if ("stream".equals(flush)) {
                response.getOutputStream().flush();
            } else if ("writer".equals(flush)) {
                response.getWriter().flush();
            } else if ("response".equals(flush)) {
                response.flushBuffer();
            }
            if (request.getParameter("reset-buffer") != null) {
                response.resetBuffer();
                response.getWriter().write("after the reset");
            }
            if (request.getParameter("send-error") != null) {
                response.sendError(Integer.parseInt(request.getParameter("send-error")));
                return;
            }
            response.setStatus(Integer.parseInt(request.getParameter("then")));
        }
    }
}
