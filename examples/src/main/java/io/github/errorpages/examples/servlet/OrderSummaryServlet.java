package io.github.errorpages.examples.servlet;

import io.github.errorpages.upstream.GuardedHttpClient;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The demo's application endpoint, {@code GET /api/summary}: it calls the upstream's
 * {@code /api/orders} itself, through a {@link GuardedHttpClient}, and answers a small JSON summary
 * (how many orders, by status).
 *
 * <p>It is the "filter path" of error-pages: the servlet does not handle upstream failures at all. The
 * guarded client throws an {@link io.github.errorpages.UpstreamFailureException} when the call fails, and
 * the {@link io.github.errorpages.servlet.ErrorPagesFilter} in front of the servlet turns it into the
 * branded page. An upstream answer it cannot use (not a 200) it reports with {@code sendError(502)}, which
 * the filter intercepts too.
 */
public final class OrderSummaryServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    /** The upstream resource read; only the path and query count, the guard supplies the endpoint. */
    private static final URI ORDERS = URI.create("http://orders/api/orders");
    private static final String ALLOWED = "GET, HEAD, OPTIONS";
    private static final Pattern STATUS = Pattern.compile("\"status\"\\s*:\\s*\"([A-Za-z_-]{1,32})\"");

    private final transient GuardedHttpClient orders;

    /**
     * @param orders the guarded client of the orders upstream
     */
    public OrderSummaryServlet(GuardedHttpClient orders) {
        this.orders = Objects.requireNonNull(orders, "orders");
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response)
            throws ServletException, IOException {
        String method = request.getMethod();
        if (!method.equals("GET") && !method.equals("HEAD") && !method.equals("OPTIONS")) {
            response.setHeader("Allow", ALLOWED); // a 405 must say what is allowed (RFC 9110 §15.5.6)
            response.sendError(HttpServletResponse.SC_METHOD_NOT_ALLOWED);
            return;
        }
        super.service(request, response);
    }

    /** The methods {@link #service} lets through: {@code HttpServlet}'s own list would name TRACE too. */
    @Override
    protected void doOptions(HttpServletRequest request, HttpServletResponse response) {
        response.setHeader("Allow", ALLOWED);
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        HttpRequest call = HttpRequest.newBuilder(ORDERS).header("Accept", "application/json").GET().build();
        HttpResponse<String> answer;
        try {
            // An UpstreamFailureException propagates: ErrorPagesFilter answers it with the page.
            answer = orders.send(call, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while calling the orders upstream");
        }
        if (answer.statusCode() != 200) {
            // Not an upstream failure to the guard (a 4xx, say), but nothing this endpoint can summarise.
            response.sendError(HttpServletResponse.SC_BAD_GATEWAY);
            return;
        }
        byte[] body = summary(answer.body()).getBytes(StandardCharsets.UTF_8);
        response.setContentType("application/json");
        response.setHeader("Cache-Control", "no-store");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    /** Counts the orders of the upstream's JSON by status, e.g. {@code {"orders":2,"by_status":{"packing":1,"shipped":1}}}. */
    static String summary(String ordersJson) {
        Map<String, Integer> byStatus = new TreeMap<>();
        Matcher status = STATUS.matcher(ordersJson);
        int total = 0;
        while (status.find()) {
            byStatus.merge(status.group(1), 1, Integer::sum);
            total++;
        }
        StringBuilder json = new StringBuilder("{\"orders\":").append(total).append(",\"by_status\":{");
        String separator = "";
        for (Map.Entry<String, Integer> entry : byStatus.entrySet()) {
            json.append(separator).append('"').append(entry.getKey()).append("\":").append(entry.getValue());
            separator = ",";
        }
        return json.append("}}").toString();
    }
}
