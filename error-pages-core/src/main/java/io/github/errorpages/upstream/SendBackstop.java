package io.github.errorpages.upstream;

import io.github.errorpages.internal.Durations;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The guard's own end of an attempt that the JDK client times itself, by its request timeout: a backstop as much
 * again later, a second at most. The client's timer comes first and tells what was late (a connect, the head);
 * the backstop ends an attempt the client did not end by then. That happens when the client sends a GET or HEAD
 * a second time on its own, after its connection closed before any response byte (its
 * {@code ConnectionExpiredException} path): it starts the request timeout again for the resend, so an upstream
 * that held the request and then closed the connection let the attempt run for up to twice its timeout, past the
 * call's deadline.
 *
 * <p>For a blocking send the backstop interrupts the thread that waits in {@link HttpClient#send} (the client then
 * cancels the exchange and closes its connection) and the attempt fails with an {@link HttpTimeoutException}
 * ({@code http_response_timeout}); an interrupt of the caller's own is passed on as before. One per send; the
 * timer is {@link CompletableFuture#orTimeout}'s, removed when the send ends in time.
 */
final class SendBackstop {

    private static final long MAX_EXTRA_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Thread caller;
    private boolean waiting = true; // guarded by this
    private boolean fired; // guarded by this

    private SendBackstop(Thread caller) {
        this.caller = caller;
    }

    /**
     * @param timeout the attempt's timeout, by which the attempt times itself
     * @return when the guard ends the attempt should it not have ended itself, in nanoseconds from its start
     */
    static long limitNanos(Duration timeout) {
        long nanos = timeout.toNanos();
        return nanos + Math.min(nanos, MAX_EXTRA_NANOS);
    }

    /**
     * Sends on the calling thread, ended by the backstop of {@code timeout} at the latest.
     *
     * @param <T> the body type
     * @param client the client
     * @param request the attempt's request, with {@code timeout} (or less) as its own
     * @param handler makes the body
     * @param timeout the attempt's timeout
     * @return the response
     * @throws HttpTimeoutException when the backstop ended the send
     * @throws IOException as {@link HttpClient#send} throws it
     * @throws InterruptedException when the caller's thread was interrupted (by someone else than the backstop)
     */
    static <T> HttpResponse<T> send(HttpClient client, HttpRequest request, BodyHandler<T> handler, Duration timeout)
            throws IOException, InterruptedException {
        SendBackstop backstop = new SendBackstop(Thread.currentThread());
        CompletableFuture<Void> timer = new CompletableFuture<>();
        timer.orTimeout(limitNanos(timeout), TimeUnit.NANOSECONDS).whenComplete((ended, expired) -> {
            if (expired != null) {
                backstop.fire();
            }
        });
        try {
            HttpResponse<T> response = client.send(request, handler);
            backstop.end();
            return response;
        } catch (InterruptedException interrupted) {
            if (backstop.end()) {
                // An attempt the deadline shortened has a timeout of nanoseconds, which Durations would show in
                // ISO-8601 (PT2.345678912S): whole milliseconds, as the body's timeout message counts them.
                throw new HttpTimeoutException("request not answered within the attempt timeout of "
                        + Durations.shown(timeout.truncatedTo(ChronoUnit.MILLIS)) + " and the guard's backstop");
            }
            throw interrupted;
        } catch (IOException | RuntimeException | Error failed) {
            backstop.end();
            throw failed;
        } finally {
            timer.complete(null);
        }
    }

    /** The backstop's time is up: interrupts the caller, if it still waits in the send. */
    private synchronized void fire() {
        if (waiting) {
            fired = true;
            caller.interrupt();
        }
    }

    /**
     * The send ended: no interrupt comes after this. Clears the backstop's own interrupt, which may have come
     * after the send ended otherwise (a response, a failure of its own), so that it reaches no other code.
     *
     * @return whether the backstop fired
     */
    private synchronized boolean end() {
        waiting = false;
        if (fired) {
            Thread.interrupted();
        }
        return fired;
    }
}
