package io.github.errorpages;

import io.github.errorpages.internal.CallerAborts;
import io.github.errorpages.internal.Causes;
import io.github.errorpages.internal.ClientLibraryCauseClassifier;
import io.github.errorpages.internal.JdkCauseClassifier;
import io.github.errorpages.internal.Resilience4jCauseClassifier;
import io.github.errorpages.internal.ResponseExceptionClassifier;
import io.github.errorpages.spi.CauseClassifier;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds out why an upstream call failed by walking a {@link Throwable}'s cause chain.
 *
 * <p>The rules, in order:
 * <ol>
 *   <li>An {@link UpstreamFailureException} anywhere in the cause chain wins: its {@link UpstreamFailure} is
 *       returned as is (the nearest one to the top if there are several).</li>
 *   <li>Otherwise every throwable of the cause chain (at most {@value #MAX_CHAIN} of them, cycles cut) is
 *       shown to every {@link CauseClassifier}: the extensions first, then the built-in ones for the JDK,
 *       Resilience4j and the HTTP client libraries it knows. Of all causes found, the most specific wins: a DNS
 *       error or a certificate error beats the connect failure that wraps it, and a connect failure beats a generic
 *       "connection closed". HttpURLConnection's exception for a 5xx response ("Server returned HTTP response code: 503
 *       for URL: ...") is the upstream's well-formed 5xx: {@link FailureCause#UPSTREAM_STATUS} with that
 *       status (R3), but not its {@code Retry-After}, which that exception does not carry (the guard then retries
 *       after its own backoff, and the page says the default {@code Retry-After}; a caller that reads the status
 *       with {@code getResponseCode()} and returns the response through a
 *       {@link io.github.errorpages.upstream.ResponseAdapter} has it honoured). So are Spring's
 *       {@code HttpServerErrorException} (RestTemplate, RestClient), {@code WebClientResponseException} and the
 *       JAX-RS client's {@code ServerErrorException} for a 5xx, which keep its {@code Retry-After}, and those an
 *       extension knows the status of ({@link CauseClassifier#statusFailure}). The upstream guard treats each as a
 *       5xx response it read: no failure of an upstream whose {@code fail-on-5xx} is off. Such an exception for a
 *       status outside 100–599, no HTTP status (HttpURLConnection's "... code: 600", Spring's
 *       {@code UnknownHttpStatusCodeException}, the JAX-RS client's {@code WebApplicationException}), is the
 *       upstream's protocol error: {@link FailureCause#HTTP_PROTOCOL_ERROR}, with no upstream status.</li>
 *   <li>Only when the cause chain holds nothing recognised are suppressed exceptions looked at too, by the
 *       same rules. A client attaches there what it recovered from before the failure it throws: the refused
 *       IPv6 connect before an IPv4 connect whose read then timed out must not make the read timeout a
 *       request that was never sent, which a retry would send again.</li>
 *   <li>An exception that nothing recognises is not an upstream failure: {@link #classify(Throwable)}
 *       returns empty and {@link #classifyOrDefault(Throwable)} returns
 *       {@link FailureCause#PROXY_INTERNAL_ERROR}. A client abort ({@link CancellationException},
 *       an interrupted thread) is never an upstream failure either. Classification never throws.</li>
 * </ol>
 *
 * <p>Instances are immutable and thread-safe; create one per application and share it.
 *
 * @since 0.1.0
 */
public final class FailureClassifier {

    /** The most throwables of one chain that are looked at. */
    public static final int MAX_CHAIN = 32;

    private static final Logger log = LoggerFactory.getLogger(FailureClassifier.class);

    /** Most specific first: the order in which causes found in one chain beat each other. */
    private static final List<FailureCause> SPECIFICITY = List.of(
            FailureCause.DNS_ERROR,
            FailureCause.DNS_TIMEOUT,
            FailureCause.TLS_CERTIFICATE_ERROR,
            FailureCause.TLS_ALERT_RECEIVED,
            FailureCause.TLS_PROTOCOL_ERROR,
            FailureCause.DESTINATION_IP_UNROUTABLE,
            FailureCause.CONNECTION_TIMEOUT,
            FailureCause.CONNECTION_REFUSED,
            FailureCause.DESTINATION_UNAVAILABLE,
            FailureCause.CONNECTION_LIMIT_REACHED,
            FailureCause.DESTINATION_NOT_FOUND,
            FailureCause.PROXY_LOOP_DETECTED,
            FailureCause.HTTP_RESPONSE_HEADER_SECTION_SIZE,
            FailureCause.HTTP_RESPONSE_BODY_SIZE,
            FailureCause.HTTP_PROTOCOL_ERROR,
            FailureCause.HTTP_RESPONSE_INCOMPLETE,
            FailureCause.CONNECTION_READ_TIMEOUT,
            FailureCause.HTTP_RESPONSE_TIMEOUT,
            FailureCause.CONNECTION_TERMINATED,
            FailureCause.UPSTREAM_STATUS,
            FailureCause.PROXY_INTERNAL_ERROR);

    /** {@link #SPECIFICITY} by ordinal, so the error path compares two ints instead of searching a list. */
    private static final int[] RANK = rankByOrdinal();

    private static final List<CauseClassifier> BUILT_IN = List.of(new Resilience4jCauseClassifier(),
            new ResponseExceptionClassifier(), new ClientLibraryCauseClassifier(), new JdkCauseClassifier());

    private final List<CauseClassifier> classifiers;
    private final Set<Class<?>> failedClassifiers = ConcurrentHashMap.newKeySet();

    private FailureClassifier(List<CauseClassifier> extensions) {
        List<CauseClassifier> all = new ArrayList<>(extensions);
        all.addAll(BUILT_IN);
        this.classifiers = List.copyOf(all);
    }

    /**
     * A classifier with the built-in rules and every {@link CauseClassifier} that
     * {@link ServiceLoader} finds through the thread context class loader (or this class's loader).
     *
     * @return a new classifier
     * @throws java.util.ServiceConfigurationError if a {@code META-INF/services} file that lists
     *     {@link CauseClassifier} implementations cannot be read, names a class that is missing or no
     *     {@code CauseClassifier}, or one that cannot be created (no public no-argument constructor, or it threw)
     */
    public static FailureClassifier ofDefaults() {
        List<CauseClassifier> found = new ArrayList<>();
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        ServiceLoader.load(CauseClassifier.class, loader != null ? loader : FailureClassifier.class.getClassLoader())
                .forEach(found::add);
        return new FailureClassifier(found);
    }

    /**
     * A classifier with the built-in rules and the given extensions, which are asked first. No
     * {@link ServiceLoader} lookup is made.
     *
     * @param extensions classifiers for other clients' exceptions, in order; may be empty
     * @return a new classifier
     * @throws NullPointerException if {@code extensions} or an element is null
     */
    public static FailureClassifier of(List<? extends CauseClassifier> extensions) {
        for (CauseClassifier extension : Objects.requireNonNull(extensions, "extensions")) {
            Objects.requireNonNull(extension, "extension");
        }
        return new FailureClassifier(List.copyOf(extensions));
    }

    /**
     * Classifies a throwable and its cause chain, reading a {@code Retry-After} date against the system clock.
     *
     * @param throwable the exception an upstream call ended with; {@code null} gives empty
     * @return the failure, or empty when the chain holds no recognised upstream failure
     */
    public Optional<UpstreamFailure> classify(@Nullable Throwable throwable) {
        return classify(throwable, Clock.systemUTC());
    }

    /**
     * Classifies a throwable and its cause chain, as {@link #classify(Throwable)} does, with {@code clock} for "now":
     * the delay of an HTTP-date {@code Retry-After} that a client library's exception for an upstream 5xx holds
     * (Spring's, JAX-RS's) is measured from it, as an {@code UpstreamGuard} measures the one of a response it reads
     * with its own clock.
     *
     * @param throwable the exception an upstream call ended with; {@code null} gives empty
     * @param clock what "now" is
     * @return the failure, or empty when the chain holds no recognised upstream failure
     * @throws NullPointerException if {@code clock} is {@code null}
     */
    public Optional<UpstreamFailure> classify(@Nullable Throwable throwable, Clock clock) {
        Objects.requireNonNull(clock, "clock");
        if (throwable == null) {
            return Optional.empty();
        }
        List<Throwable> causes = chainOf(throwable, false);
        Optional<UpstreamFailure> byCauses = classifyChain(causes, clock);
        if (byCauses.isPresent() || causes.stream().anyMatch(FailureClassifier::isClientAbort)) {
            return byCauses;
        }
        return classifyChain(chainOf(throwable, true), clock);
    }

    /** The nearest UpstreamFailureException, nothing after a client abort, else the most specific cause. */
    private Optional<UpstreamFailure> classifyChain(List<Throwable> chain, Clock clock) {
        for (Throwable t : chain) {
            if (t instanceof UpstreamFailureException) {
                return Optional.of(((UpstreamFailureException) t).failure());
            }
            if (isClientAbort(t)) {
                return Optional.empty();
            }
        }
        return mostSpecific(chain, clock);
    }

    private Optional<UpstreamFailure> mostSpecific(List<Throwable> chain, Clock clock) {
        FailureCause best = null;
        Throwable bestOf = null;
        CauseClassifier bestBy = null;
        for (Throwable t : chain) {
            for (CauseClassifier classifier : classifiers) {
                FailureCause found = ask(classifier, t);
                if (found != null && (best == null || RANK[found.ordinal()] < RANK[best.ordinal()])) {
                    best = found;
                    bestOf = t;
                    bestBy = classifier;
                }
            }
        }
        if (best == FailureCause.UPSTREAM_STATUS && !BUILT_IN.contains(bestBy)) {
            UpstreamFailure told = askStatus(bestBy, bestOf);
            if (told != null) {
                return Optional.of(told);
            }
        }
        if (best == FailureCause.UPSTREAM_STATUS && JdkCauseClassifier.upstreamStatus(bestOf) != 0) {
            return Optional.of(UpstreamFailure.ofUpstreamStatus(JdkCauseClassifier.upstreamStatus(bestOf), null));
        }
        if (best == FailureCause.UPSTREAM_STATUS) {
            UpstreamFailure read = ResponseExceptionClassifier.failureOf(bestOf, clock);
            if (read != null) {
                return Optional.of(read);
            }
        }
        if (best == FailureCause.CONNECTION_LIMIT_REACHED) {
            // A client's own limit (its pool had no connection free, HTTP/2's concurrent streams): the request was
            // never sent, no attempt of the upstream, so that the guard takes it for a rejected call, as its
            // bulkhead's.
            return Optional.of(UpstreamFailure.builder(best).attempts(0).build());
        }
        return best == null ? Optional.empty() : Optional.of(UpstreamFailure.of(best));
    }

    /**
     * Classifies a throwable, falling back to {@link FailureCause#PROXY_INTERNAL_ERROR} (500).
     *
     * @param throwable the exception; {@code null} gives the fallback
     * @return the failure, never {@code null}
     */
    public UpstreamFailure classifyOrDefault(@Nullable Throwable throwable) {
        return classify(throwable).orElseGet(() -> UpstreamFailure.of(FailureCause.PROXY_INTERNAL_ERROR));
    }

    private static int[] rankByOrdinal() {
        int[] rank = new int[FailureCause.values().length];
        Arrays.fill(rank, SPECIFICITY.size()); // a cause missing from the list is the least specific
        for (int i = 0; i < SPECIFICITY.size(); i++) {
            rank[SPECIFICITY.get(i).ordinal()] = i;
        }
        return rank;
    }

    /**
     * An extension's upstream status, checked: a failure of another cause or status is not taken. Only the status
     * and the {@code Retry-After} are, what {@link CauseClassifier#statusFailure} is asked for: the rest of a failure
     * it built with the builder is a guard's to say (attempts, a retry refused, breakers open), and a guard would
     * take {@code attempts(0)} or a refusal for another guard's decision not to retry (R47), a breaker's open time
     * for the page's {@code Retry-After} (R8).
     */
    private @Nullable UpstreamFailure askStatus(CauseClassifier classifier, Throwable t) {
        try {
            UpstreamFailure told = classifier.statusFailure(t);
            if (told == null || told.cause() != FailureCause.UPSTREAM_STATUS || told.upstreamStatus() < 500
                    || told.upstreamStatus() > 599) {
                return null;
            }
            return UpstreamFailure.ofUpstreamStatus(told.upstreamStatus(), told.upstreamRetryAfter());
        } catch (Throwable e) {
            if (failedClassifiers.add(classifier.getClass())) {
                log.warn("Cause classifier {} failed and is ignored for this exception: {}",
                        classifier.getClass().getName(), Causes.describe(e));
            }
            return null;
        }
    }

    private @Nullable FailureCause ask(CauseClassifier classifier, Throwable t) {
        try {
            return classifier.classify(t).orElse(null);
        } catch (Throwable e) {
            // Any Error too, as for the guard's event listeners: an extension's AssertionError (under -ea) or the
            // StackOverflowError of one that walks a cyclic cause chain, thrown on, would leave the guard in the
            // middle of its bookkeeping with a half-open breaker's trial permission never given back.
            if (failedClassifiers.add(classifier.getClass())) {
                log.warn("Cause classifier {} failed and is ignored for this exception: {}",
                        classifier.getClass().getName(), Causes.describe(e));
            }
            return null;
        }
    }

    private static boolean isClientAbort(Throwable t) {
        // Cancelled by the caller or interrupted: not the upstream's fault, so neither page nor breaker.
        return CallerAborts.isCallerAbort(t);
    }

    private static List<Throwable> chainOf(Throwable top, boolean withSuppressed) {
        List<Throwable> chain = new ArrayList<>();
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Throwable> todo = new ArrayDeque<>();
        todo.add(top);
        while (!todo.isEmpty() && chain.size() < MAX_CHAIN) {
            Throwable t = todo.removeFirst();
            if (!seen.add(t)) {
                continue;
            }
            chain.add(t);
            Throwable cause = Causes.of(t);
            if (cause != null) {
                todo.add(cause);
            }
            if (withSuppressed) {
                Collections.addAll(todo, t.getSuppressed());
            }
        }
        return chain;
    }

    @Override
    public String toString() {
        return "FailureClassifier" + classifiers.stream().map(c -> c.getClass().getSimpleName()).toList();
    }
}
