package io.github.errorpages.benchmarks.servlet;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletConnection;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import jakarta.servlet.http.HttpUpgradeHandler;
import jakarta.servlet.http.Part;
import java.io.BufferedReader;
import java.security.Principal;
import java.util.Collection;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * A GET request without a body, as a container would hand it to a filter, for the JMH benchmarks: no
 * container can run inside a benchmark method, so this is the one thing the benchmarks do not take real.
 *
 * <p>It allocates nothing once made (the attributes live in a small fixed array, the headers are fixed),
 * so that the allocation JMH reports is the code under test's. What a filter or a servlet in front of an
 * upstream does not ask of a request throws {@link UnsupportedOperationException}, so a change in what
 * the library asks shows up instead of being answered wrongly. Not thread-safe: one per benchmark thread.
 */
public final class StubRequest implements HttpServletRequest {

    private static final int MAX_ATTRIBUTES = 8;

    private final String method;
    private final String requestUri;
    private final Map<String, List<String>> headers;
    private final List<String> headerNames;
    private final String[] attributeNames = new String[MAX_ATTRIBUTES];
    private final Object[] attributeValues = new Object[MAX_ATTRIBUTES];

    /**
     * @param method the method, e.g. {@code GET}
     * @param requestUri the path, e.g. {@code /orders/42}; the context path is empty
     * @param headers header fields by name (one value each); kept in this order
     */
    public StubRequest(String method, String requestUri, Map<String, String> headers) {
        this.method = Objects.requireNonNull(method, "method");
        this.requestUri = Objects.requireNonNull(requestUri, "requestUri");
        Map<String, List<String>> byName = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((name, value) -> byName.put(name, List.of(value)));
        this.headers = byName;
        this.headerNames = List.copyOf(new LinkedHashMap<>(headers).keySet());
    }

    /** Forgets the attributes, so that the next invocation sees the request as the container made it. */
    public void clearAttributes() {
        for (int i = 0; i < MAX_ATTRIBUTES; i++) {
            attributeNames[i] = null;
            attributeValues[i] = null;
        }
    }

    @Override
    public @Nullable Object getAttribute(String name) {
        for (int i = 0; i < MAX_ATTRIBUTES; i++) {
            if (name.equals(attributeNames[i])) {
                return attributeValues[i];
            }
        }
        return null;
    }

    @Override
    public void setAttribute(String name, @Nullable Object value) {
        if (value == null) {
            removeAttribute(name);
            return;
        }
        int free = -1;
        for (int i = 0; i < MAX_ATTRIBUTES; i++) {
            if (name.equals(attributeNames[i])) {
                attributeValues[i] = value;
                return;
            }
            if (free < 0 && attributeNames[i] == null) {
                free = i;
            }
        }
        if (free < 0) {
            throw new IllegalStateException("the stub holds at most " + MAX_ATTRIBUTES + " attributes");
        }
        attributeNames[free] = name;
        attributeValues[free] = value;
    }

    @Override
    public void removeAttribute(String name) {
        for (int i = 0; i < MAX_ATTRIBUTES; i++) {
            if (name.equals(attributeNames[i])) {
                attributeNames[i] = null;
                attributeValues[i] = null;
            }
        }
    }

    @Override
    public @Nullable String getHeader(String name) {
        List<String> values = headers.get(name);
        return values == null ? null : values.get(0);
    }

    @Override
    public Enumeration<String> getHeaders(String name) {
        return Collections.enumeration(headers.getOrDefault(name, List.of()));
    }

    @Override
    public Enumeration<String> getHeaderNames() {
        return Collections.enumeration(headerNames);
    }

    @Override
    public String getMethod() {
        return method;
    }

    @Override
    public String getRequestURI() {
        return requestUri;
    }

    @Override
    public String getContextPath() {
        return "";
    }

    @Override
    public String getServletPath() {
        return "";
    }

    @Override
    public @Nullable String getPathInfo() {
        return requestUri;
    }

    @Override
    public @Nullable String getQueryString() {
        return null;
    }

    @Override
    public StringBuffer getRequestURL() {
        return new StringBuffer("http://127.0.0.1:8080").append(requestUri);
    }

    @Override
    public DispatcherType getDispatcherType() {
        return DispatcherType.REQUEST;
    }

    @Override
    public boolean isAsyncStarted() {
        return false;
    }

    @Override
    public boolean isAsyncSupported() {
        return false;
    }

    @Override
    public int getContentLength() {
        return 0;
    }

    @Override
    public long getContentLengthLong() {
        return 0;
    }

    @Override
    public @Nullable String getContentType() {
        return null;
    }

    @Override
    public @Nullable String getCharacterEncoding() {
        return null;
    }

    @Override
    public String getProtocol() {
        return "HTTP/1.1";
    }

    @Override
    public String getScheme() {
        return "http";
    }

    @Override
    public String getServerName() {
        return "127.0.0.1";
    }

    @Override
    public int getServerPort() {
        return 8080;
    }

    @Override
    public String getRemoteAddr() {
        return "127.0.0.1";
    }

    @Override
    public String getRemoteHost() {
        return "127.0.0.1";
    }

    @Override
    public int getRemotePort() {
        return 50000;
    }

    @Override
    public String getLocalName() {
        return "127.0.0.1";
    }

    @Override
    public String getLocalAddr() {
        return "127.0.0.1";
    }

    @Override
    public int getLocalPort() {
        return 8080;
    }

    @Override
    public boolean isSecure() {
        return false;
    }

    @Override
    public Locale getLocale() {
        return Locale.ENGLISH;
    }

    @Override
    public Enumeration<Locale> getLocales() {
        return Collections.enumeration(List.of(Locale.ENGLISH));
    }

    @Override
    public String getRequestId() {
        return "1";
    }

    @Override
    public String getProtocolRequestId() {
        return "";
    }

    // What neither the filter nor the proxy servlet asks of a request without a body.

    @Override
    public Enumeration<String> getAttributeNames() {
        throw unsupported();
    }

    @Override
    public void setCharacterEncoding(String env) {
        throw unsupported();
    }

    @Override
    public ServletInputStream getInputStream() {
        throw unsupported();
    }

    @Override
    public String getParameter(String name) {
        throw unsupported();
    }

    @Override
    public Enumeration<String> getParameterNames() {
        throw unsupported();
    }

    @Override
    public String[] getParameterValues(String name) {
        throw unsupported();
    }

    @Override
    public Map<String, String[]> getParameterMap() {
        throw unsupported();
    }

    @Override
    public BufferedReader getReader() {
        throw unsupported();
    }

    @Override
    public RequestDispatcher getRequestDispatcher(String path) {
        throw unsupported();
    }

    @Override
    public ServletContext getServletContext() {
        throw unsupported();
    }

    @Override
    public AsyncContext startAsync() {
        throw new IllegalStateException("async is not supported by this request");
    }

    @Override
    public AsyncContext startAsync(ServletRequest servletRequest, ServletResponse servletResponse) {
        throw new IllegalStateException("async is not supported by this request");
    }

    @Override
    public AsyncContext getAsyncContext() {
        throw new IllegalStateException("async was not started");
    }

    @Override
    public ServletConnection getServletConnection() {
        throw unsupported();
    }

    @Override
    public String getAuthType() {
        throw unsupported();
    }

    @Override
    public Cookie[] getCookies() {
        throw unsupported();
    }

    @Override
    public long getDateHeader(String name) {
        throw unsupported();
    }

    @Override
    public int getIntHeader(String name) {
        throw unsupported();
    }

    @Override
    public String getPathTranslated() {
        throw unsupported();
    }

    @Override
    public String getRemoteUser() {
        throw unsupported();
    }

    @Override
    public boolean isUserInRole(String role) {
        throw unsupported();
    }

    @Override
    public Principal getUserPrincipal() {
        throw unsupported();
    }

    @Override
    public String getRequestedSessionId() {
        throw unsupported();
    }

    @Override
    public HttpSession getSession(boolean create) {
        throw unsupported();
    }

    @Override
    public HttpSession getSession() {
        throw unsupported();
    }

    @Override
    public String changeSessionId() {
        throw unsupported();
    }

    @Override
    public boolean isRequestedSessionIdValid() {
        throw unsupported();
    }

    @Override
    public boolean isRequestedSessionIdFromCookie() {
        throw unsupported();
    }

    @Override
    public boolean isRequestedSessionIdFromURL() {
        throw unsupported();
    }

    @Override
    public boolean authenticate(HttpServletResponse response) {
        throw unsupported();
    }

    @Override
    public void login(String username, String password) {
        throw unsupported();
    }

    @Override
    public void logout() {
        throw unsupported();
    }

    @Override
    public Collection<Part> getParts() {
        throw unsupported();
    }

    @Override
    public Part getPart(String name) {
        throw unsupported();
    }

    @Override
    public <T extends HttpUpgradeHandler> T upgrade(Class<T> handlerClass) {
        throw unsupported();
    }

    private static UnsupportedOperationException unsupported() {
        return new UnsupportedOperationException("not needed by the benchmarks; implement it if the library now asks");
    }
}
