package io.github.errorpages.examples.snippets;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.examples.Http;
import io.github.errorpages.servlet.ErrorPagesFilter;
import jakarta.servlet.DispatcherType;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.InternalServerErrorException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.container.Suspended;
import java.net.ConnectException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.glassfish.jersey.server.ResourceConfig;
import org.glassfish.jersey.servlet.ServletContainer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The JAX-RS snippet ({@link UpstreamFailureMapper}) in a real Jersey application behind the filter on Jetty: without
 * the mapper, Jersey answers every exception with its own 500 before the filter sees it.
 */
class JaxRsMapperIntegrationTests {

    private static Server server;
    private static ServerConnector connector;

    /** Resources that fail as a BFF's do when an upstream fails, and one that fails for the client's mistake. */
    @Path("/")
    public static class Orders {

        @GET
        @Path("refused")
        public String refused() throws ConnectException {
            throw new ConnectException("Connection refused");
        }

        @GET
        @Path("async-timeout")
        public void asyncTimeout(@Suspended AsyncResponse response) {
            new Thread(() -> response.resume(new SocketTimeoutException("Read timed out"))).start();
        }

        @GET
        @Path("missing")
        public String missing() {
            throw new NotFoundException();
        }

        @GET
        @Path("bug")
        public String bug() {
            throw new InternalServerErrorException("the resource's own failure");
        }

        @POST
        @Path("orders")
        public String order(String body) {
            return "ordered " + body.length();
        }
    }

    @BeforeAll
    static void start() throws Exception {
        server = new Server();
        connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        connector.setIdleTimeout(1_000); // a stalled upload ends soon
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        FilterHolder filter = new FilterHolder(new ErrorPagesFilter());
        filter.setAsyncSupported(true);
        context.addFilter(filter, "/*",
                EnumSet.of(DispatcherType.REQUEST, DispatcherType.FORWARD, DispatcherType.ASYNC));
        ServletHolder jersey = new ServletHolder(new ServletContainer(
                new ResourceConfig(Orders.class, UpstreamFailureMapper.class)));
        jersey.setAsyncSupported(true);
        context.addServlet(jersey, "/*");
        server.setHandler(context);
        server.start();
    }

    @AfterAll
    static void stop() throws Exception {
        server.stop();
    }

    private static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + connector.getLocalPort() + path);
    }

    @Test
    void upstreamFailureOfAResourceIsThePageForItsCause() throws Exception {
        HttpResponse<String> page = Http.get(uri("/refused"), "application/json");

        assertThat(page.statusCode()).isEqualTo(502);
        assertThat(Http.member(page.body(), "code")).contains("connection_refused");
    }

    @Test
    void asyncResourceResumedWithAFailureIsThePageForItsCause() throws Exception {
        HttpResponse<String> page = Http.get(uri("/async-timeout"), "application/json");

        assertThat(page.statusCode()).isEqualTo(504);
        assertThat(Http.member(page.body(), "code")).contains("connection_read_timeout");
    }

    /** A ServerErrorException the resource throws itself is no upstream's status: Jersey's own 500. */
    @Test
    void resourcesOwnServerErrorIsNoUpstreamFailure() throws Exception {
        HttpResponse<String> bug = Http.get(uri("/bug"), "application/json");

        assertThat(bug.statusCode()).isEqualTo(500);
        assertThat(bug.body()).doesNotContain("upstream_status");
    }

    /**
     * A client whose upload stalls until Jetty's idle timeout: a failure of the request's own connection, which the
     * mapper must not name as an upstream's (it was a 504 page "http_response_timeout", and a WARN line).
     */
    @Test
    void stalledUploadIsNoUpstreamFailure() throws Exception {
        try (Socket client = new Socket("127.0.0.1", connector.getLocalPort())) {
            client.setSoTimeout(10_000);
            client.getOutputStream().write(("POST /orders HTTP/1.1\r\nHost: shop\r\nContent-Type: text/plain\r\n"
                    + "Content-Length: 100\r\n\r\nten bytes.").getBytes(StandardCharsets.US_ASCII));
            client.getOutputStream().flush();

            String answer = new String(client.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);

            assertThat(answer).doesNotContain("http_response_timeout").doesNotStartWith("HTTP/1.1 504");
        }
    }

    @Test
    void jerseysOwnAnswersStand() throws Exception {
        HttpResponse<String> notFound = Http.get(uri("/missing"), "application/json");

        assertThat(notFound.statusCode()).isEqualTo(404);
        assertThat(notFound.body()).doesNotContain("connection_");
    }
}
