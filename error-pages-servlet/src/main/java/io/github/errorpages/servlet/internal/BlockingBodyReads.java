package io.github.errorpages.servlet.internal;

import java.time.Duration;

/**
 * The proxy's reads of a client's request body with blocking servlet I/O, on one of the proxy's own body-reader
 * threads ({@code error-pages-proxy-<upstream>-body-<n>}): they must end before the servlet returns. A read left
 * blocked in the container's stream after that reads into the objects the container reuses for the connection's next
 * request, or takes part of the body the container is to skip. Implementations are thread-safe.
 */
public interface BlockingBodyReads {

    /**
     * Lets no read of the client's body start from now on, and tells whether one is under way, in one step: a read
     * about to start is either refused or seen. (Asked apart, "is a read under way?" then "stop", a read could start
     * in between and wait for the client unseen.)
     *
     * @return whether a read is under way: it may be waiting for the client
     */
    boolean stopStartingReads();

    /**
     * @return whether reading the client's body started and has not reached its end: the rest of it is in flight, and
     *     the connection cannot carry another request once the answer went out
     */
    boolean isSourceCutShort();

    /**
     * @return whether reading the client's body never started: the container was not asked for any of it (nor for a
     *     {@code 100 Continue})
     */
    boolean isSourceUnread();

    /**
     * Stops reading the client's body, and waits for a read under way to return: call it before the servlet returns.
     *
     * @param patience the longest wait
     * @return whether no read is under way any more
     * @throws InterruptedException when the waiting thread is interrupted
     */
    boolean stopReading(Duration patience) throws InterruptedException;

    /**
     * Stops reading the client's body, and ends a read under way by interrupting its thread, without waiting for it:
     * for a stream the container resets once the servlet returns (HTTP/2), whose blocked read the reset does not
     * wake on Jetty 12; or, followed by {@link #stopReading}, for an HTTP/1 connection that ends after the page or the
     * relayed early answer, whose blocked read Jetty ends with the interrupt (Tomcat's waits on). The interrupt is
     * cleared once the read returns.
     */
    void abortReading();
}
