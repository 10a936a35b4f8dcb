package io.github.resilience4j.ratelimiter;

/**
 * A stand-in for Resilience4j's rate limiter's rejection, under its name: resilience4j-ratelimiter is optional for
 * the library, matched by name only ({@code Resilience4jCauseClassifier}), and not among the tests' dependencies (not
 * in the local repository, which the build reads offline). Its shape is the real one's: a RuntimeException, made
 * by a factory, with the real one's words. Left out of the test-jar, so that no other module sees it.
 */
public class RequestNotPermitted extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private RequestNotPermitted(String message) {
        super(message, null, false, false);
    }

    /**
     * @param rateLimiterName the rate limiter's name
     * @return the rejection, as the real one says it
     */
    public static RequestNotPermitted createRequestNotPermitted(String rateLimiterName) {
        return new RequestNotPermitted("RateLimiter '" + rateLimiterName + "' does not permit further calls");
    }
}
