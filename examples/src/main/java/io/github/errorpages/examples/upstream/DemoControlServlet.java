package io.github.errorpages.examples.upstream;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The demo's control page, served by the gateway (not by the upstream, which may be down): shows the
 * upstream's current mode, links to every page of the demo, and switches the mode with one click
 * ({@code POST ?mode=refusing}) or one curl ({@code curl -X POST 'http://127.0.0.1:8080/_demo?mode=slow'}).
 * A browser (a request accepting {@code text/html}) is sent back to the page after a switch; anything else
 * gets one line of text naming the new mode. A switch another site's page asks a browser for (a form posted
 * across sites, which needs no CORS preflight) is refused: {@code Sec-Fetch-Site}, or else {@code Origin}, says
 * where it came from.
 */
public final class DemoControlServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private final transient DemoUpstream upstream;
    private final transient Runnable afterSwitch;

    /**
     * @param upstream the demo upstream whose mode the page switches
     */
    public DemoControlServlet(DemoUpstream upstream) {
        this(upstream, () -> { });
    }

    /**
     * @param upstream the demo upstream whose mode the page switches
     * @param afterSwitch run after each switch, e.g. to reset the gateway's circuit breaker so that every mode
     *     starts with a closed one
     */
    public DemoControlServlet(DemoUpstream upstream, Runnable afterSwitch) {
        this.upstream = Objects.requireNonNull(upstream, "upstream");
        this.afterSwitch = Objects.requireNonNull(afterSwitch, "afterSwitch");
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws ServletException, IOException {
        String method = req.getMethod();
        if (!method.equals("GET") && !method.equals("HEAD") && !method.equals("POST") && !method.equals("OPTIONS")) {
            resp.setHeader("Allow", "GET, HEAD, POST, OPTIONS"); // a 405 must say what is allowed (RFC 9110 §15.5.6)
            resp.sendError(HttpServletResponse.SC_METHOD_NOT_ALLOWED);
            return;
        }
        super.service(req, resp);
    }

    /** The methods {@link #service} lets through: {@code HttpServlet}'s own list would name TRACE too. */
    @Override
    protected void doOptions(HttpServletRequest req, HttpServletResponse resp) {
        resp.setHeader("Allow", "GET, HEAD, POST, OPTIONS");
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (isCrossSite(req)) {
            resp.setStatus(HttpServletResponse.SC_FORBIDDEN);
            resp.setContentType("text/plain;charset=UTF-8");
            resp.getWriter().println("The upstream is switched from this page or with curl, not from another site.");
            return;
        }
        DemoMode mode;
        try {
            // The last value: a form's own (its body) comes after the query's, which a page opened as
            // "/_demo?mode=slow" would otherwise make win over the button clicked.
            String[] values = req.getParameterValues("mode");
            String requested = values == null || values.length == 0 ? null : values[values.length - 1];
            mode = DemoMode.fromSlug(requested == null ? "" : requested);
        } catch (RuntimeException unknownOrUnreadable) {
            // Unknown, or parameters the container cannot read: Jetty throws for "%ZZ" in the query or the form
            // (a BadMessageException, an IllegalArgumentException), which thrown on became its own page.
            resp.setStatus(400);
            resp.setContentType("text/plain;charset=UTF-8");
            resp.getWriter().println("Unknown mode. Use one of: healthy, refusing, slow, resetting, garbage, unavailable, flapping");
            return;
        }
        upstream.mode(mode);
        afterSwitch.run();
        String accept = req.getHeader("Accept");
        if (accept != null && accept.contains("text/html")) {
            // Back to the control page: POST, then 303 See Other, then GET, so a reload does not switch again.
            resp.setStatus(HttpServletResponse.SC_SEE_OTHER);
            resp.setHeader("Location", req.getRequestURI());
            return;
        }
        resp.setContentType("text/plain;charset=UTF-8");
        resp.getWriter().println("upstream mode: " + mode.slug() + " (" + mode.description() + ")");
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        // Posted to the page without its query: "?mode=slow" in the address would otherwise go with every button.
        String self = req.getRequestURI().matches("[A-Za-z0-9/._~-]+") ? req.getRequestURI() : "/_demo";
        StringBuilder rows = new StringBuilder();
        for (DemoMode mode : DemoMode.values()) {
            boolean current = mode == upstream.mode();
            rows.append("<li").append(current ? " class=\"current\" aria-current=\"true\"" : "").append('>')
                    .append("<form method=\"post\" action=\"").append(self)
                    .append("\"><input type=\"hidden\" name=\"mode\" value=\"").append(mode.slug())
                    .append("\"><button type=\"submit\">").append(mode.label()).append("</button></form>")
                    .append("<span class=\"what\">").append(mode.description())
                    .append(current ? " <strong class=\"now\">current</strong>" : "")
                    .append("<br><span class=\"answer\">gateway: ").append(mode.gatewayAnswer()).append("</span></span>")
                    .append("</li>\n");
        }
        String getSwitch = !hasModeParameter(req) ? "" : "<p class=\"note\" role=\"status\">A link does not "
                + "switch the upstream: switching takes a POST, a button below or <code>curl -X POST</code>.</p>";
        String page = """
                <!doctype html>
                <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
                <title>error-pages demo: upstream control</title>
                <link rel="icon" href="data:,">
                <style>
                body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1f2328}
                ul{list-style:none;padding:0} li{margin:.4rem 0} button{min-width:11rem;padding:.4rem .8rem;font:inherit;cursor:pointer}
                li{display:flex;flex-wrap:wrap;gap:.25rem 1rem;align-items:baseline;padding:.4rem .6rem;border-radius:6px}
                li.current{background:#ddf4ff;box-shadow:inset 3px 0 #0969da}
                .what{flex:1 1 16rem} .answer{color:#57606a;font-size:.9375rem} .now{color:#0969da}
                .try{font-weight:600} .note{background:#fff8c5;padding:.5rem .75rem;border-radius:6px}
                code{background:#f6f8fa;padding:.1rem .3rem;border-radius:4px}
                </style></head><body><main>
                <h1>error-pages demo</h1>
                <p>The gateway forwards <a href="/orders">/orders</a> (and every other path) to a demo upstream through
                error-pages' proxy servlet, and <a href="/api/summary">/api/summary</a> calls the same upstream from
                application code through a guarded HttpClient, behind the error-pages filter. Switch the upstream's
                behaviour here, then open or reload those pages to see each branded error page.</p>
                %s
                <h2>Upstream behaviour</h2>
                <p class="try">Then open <a href="/orders">/orders</a> (the proxy) or
                <a href="/api/summary">/api/summary</a> (the filter).</p>
                <ul>
                %s</ul>
                <p>Each switch starts with a closed circuit breaker. Keep reloading a failing page and the breaker
                opens after a few calls: then the gateway answers 503 at once, without calling the upstream, with
                a Retry-After of the time the breaker stays open.</p>
                <h2>With curl</h2>
                <p>While the upstream fails, <code>curl -i http://HOST/orders</code> shows status and headers with an
                <code>application/problem+json</code> body; add <code>-H 'Accept: text/html'</code> for the page.
                Switch with <code>curl -X POST 'http://HOST/_demo?mode=unavailable'</code>.</p>
                </main></body></html>
                """.formatted(getSwitch, rows).replace("HOST", hostOf(req));
        byte[] bytes = page.getBytes(StandardCharsets.UTF_8);
        resp.setContentType("text/html;charset=UTF-8");
        resp.setHeader("Cache-Control", "no-store");
        resp.setContentLength(bytes.length);
        resp.getOutputStream().write(bytes);
    }

    /** Whether the query names a mode, readable or not (Jetty refuses "%ZZ" only when parameters are read). */
    private static boolean hasModeParameter(HttpServletRequest req) {
        try {
            return req.getParameter("mode") != null;
        } catch (RuntimeException unreadable) {
            return true;
        }
    }

    /**
     * Whether a browser posts this for a page of another site: {@code Sec-Fetch-Site} says so where browsers send
     * it (a typed URL is {@code none}), {@code Origin} otherwise. curl sends neither.
     */
    private static boolean isCrossSite(HttpServletRequest req) {
        String site = req.getHeader("Sec-Fetch-Site");
        if (site != null) {
            return !site.equals("same-origin") && !site.equals("none");
        }
        String origin = req.getHeader("Origin");
        return origin != null && !origin.equalsIgnoreCase(req.getScheme() + "://" + req.getHeader("Host"));
    }

    private static String hostOf(HttpServletRequest req) {
        // Only what the container parsed as server name and port, and only safe characters, goes into the page.
        String host = req.getServerName() + ":" + req.getServerPort();
        return host.matches("[A-Za-z0-9.:\\[\\]-]+") ? host : "127.0.0.1:8080";
    }
}
