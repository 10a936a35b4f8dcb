package io.github.errorpages.servlet;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A web application's own servlet, declared by class name in a test {@code web.xml}: it calls the upstream its
 * init-parameter {@code upstream} names with the JDK's {@code HttpClient} and relays the answer's body as
 * {@code text/plain}, or lets the client's exception (a refused connection's {@code ConnectException}) fail the
 * request, as an application that does not handle its upstream's failures does. Uses nothing but the JDK and the
 * Servlet API, so that it can be copied into a web application's {@code WEB-INF/classes} on its own.
 */
public final class UpstreamCallingServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private transient HttpClient client;
    private transient URI upstream;

    /** Containers instantiate it by class name. */
    public UpstreamCallingServlet() {
    }

    @Override
    public void init() {
        upstream = URI.create(getInitParameter("upstream"));
        client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    @Override
    public void destroy() {
        // HttpClient is AutoCloseable from Java 21 on, where closing ends its threads at once; on 17 they end with it.
        if (client instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response)
            throws ServletException, IOException {
        HttpResponse<String> answer;
        try {
            answer = client.send(HttpRequest.newBuilder(upstream).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServletException(e);
        }
        response.setStatus(answer.statusCode());
        response.setContentType("text/plain;charset=UTF-8");
        response.getWriter().write(answer.body());
    }
}
