package io.github.errorpages.page.internal;

import io.github.errorpages.page.PageFormat;
import org.jspecify.annotations.Nullable;

/**
 * Chooses the format of an error response from the request's {@code Accept} field (standards R34).
 *
 * <p>Only media ranges that name a format specifically count as a preference: {@code text/html} and
 * {@code application/xhtml+xml} for HTML; {@code application/problem+json}, {@code application/json}
 * and any {@code application/*+json} for problem details; {@code text/plain} for text. The one named with
 * the highest q-value wins (ties: HTML, problem details, text). So a browser, which names
 * {@code text/html} before its {@code *}{@code /*;q=0.8}, gets HTML, while {@code *}{@code /*} alone, an
 * absent field or a field naming none of ours ({@code image/png}) gets the configured fallback: never a
 * 406. When only wildcards decide, a format weighs what the narrowest wildcard covering it says, and the
 * heaviest wins; the fallback breaks a tie, but a bare {@code text/*} counts as plain text. So {@code application/*},
 * or {@code *}{@code /*;q=0.1, application/*}, gets problem details even with an HTML fallback.
 * A format the client excludes with {@code q=0} is skipped: on a range naming it, or on the narrowest wildcard
 * covering it when none names it ({@code text/*;q=0} excludes HTML and text even beside {@code *}{@code /*});
 * unless every format is excluded, in which case the fallback is sent anyway.
 *
 * <p>The media type sent is never one the client refuses, by name or by the most specific range covering it
 * (RFC 9110 §12.5.1; {@code q=0} means "not acceptable"), unless every format is excluded. HTML goes as
 * {@code text/html} only, so {@code text/html;q=0} or {@code text/*;q=0} excludes it even beside
 * {@code application/xhtml+xml}. Problem details go as {@code application/problem+json}, or, when the client
 * refuses that type ({@code application/json, application/problem+json;q=0}), as {@code application/json},
 * unless it refuses that too.
 *
 * <p>Parsing is tolerant and bounded: malformed ranges are skipped and at most {@value #MAX_RANGES} are
 * read. Instances are thread-safe; they remember what they made of the values they saw ({@link HeaderMemo}).
 */
public final class FormatNegotiator {

    static final int MAX_RANGES = 64;
    private static final PageFormat[] TIE_ORDER = {PageFormat.HTML, PageFormat.PROBLEM_JSON, PageFormat.TEXT};

    private final PageFormat fallback;
    private final HeaderMemo<Choice> known = new HeaderMemo<>(this::parse);

    /**
     * What to send.
     *
     * @param format the format
     * @param contentType the {@code Content-Type} field value: the format's own, or {@code application/json}
     *     for problem details to a client that refuses {@code application/problem+json}
     */
    public record Choice(PageFormat format, String contentType) {

        private static final Choice[] OWN = {
            new Choice(PageFormat.HTML, PageFormat.HTML.contentType()),
            new Choice(PageFormat.PROBLEM_JSON, PageFormat.PROBLEM_JSON.contentType()),
            new Choice(PageFormat.TEXT, PageFormat.TEXT.contentType())};
        private static final Choice JSON_AS_PLAIN_JSON = new Choice(PageFormat.PROBLEM_JSON, "application/json");

        /**
         * @param format a format
         * @return the format with its own {@code Content-Type}
         */
        public static Choice of(PageFormat format) {
            return OWN[format.ordinal()];
        }
    }

    /**
     * @param fallback the format for clients that state no usable preference
     */
    public FormatNegotiator(PageFormat fallback) {
        this.fallback = fallback;
    }

    /**
     * @param accept the {@code Accept} field value, or {@code null} when absent
     * @return the format to send
     */
    public PageFormat negotiate(@Nullable String accept) {
        return choose(accept).format();
    }

    /**
     * @param accept the {@code Accept} field value, or {@code null} when absent
     * @return the format to send, and its {@code Content-Type}
     */
    public Choice choose(@Nullable String accept) {
        if (accept == null || accept.isBlank()) {
            return Choice.of(fallback);
        }
        return known.get(accept);
    }

    private Choice parse(String accept) {
        // Per format: the q-value of the ranges that name it (-1: none does). Wildcards are kept apart.
        double[] named = {-1, -1, -1};
        double textStar = -1;
        double applicationStar = -1;
        double anyStar = -1;
        // The q-values of the ranges naming exactly the types sent (-1: none does).
        double textHtml = -1;
        double problemJson = -1;
        double plainJson = -1;
        for (QualityValue range : QualityValue.elements(accept, MAX_RANGES)) {
            String type = range.value();
            double q = range.q();
            switch (type) {
                case "text/html" -> {
                    named[0] = Math.max(named[0], q);
                    textHtml = Math.max(textHtml, q);
                }
                case "application/xhtml+xml" -> named[0] = Math.max(named[0], q);
                case "application/problem+json" -> problemJson = Math.max(problemJson, q);
                case "application/json" -> {
                    named[1] = Math.max(named[1], q);
                    plainJson = Math.max(plainJson, q);
                }
                case "text/plain" -> named[2] = Math.max(named[2], q);
                case "text/*" -> textStar = Math.max(textStar, q);
                case "application/*" -> applicationStar = Math.max(applicationStar, q);
                case "*/*" -> anyStar = Math.max(anyStar, q);
                default -> {
                    if (type.startsWith("application/") && type.endsWith("+json")) {
                        named[1] = Math.max(named[1], q);
                    }
                }
            }
        }
        // The media type sent must not be one the client refuses (RFC 9110 §12.5.1: the most specific range
        // decides), whatever other ranges naming the format say.
        if (mostSpecific(textHtml, textStar, anyStar) == 0) {
            named[0] = 0; // HTML goes as text/html only: application/xhtml+xml does not make text/html acceptable
        }
        boolean asPlainJson = false;
        if (mostSpecific(problemJson, applicationStar, anyStar) != 0) {
            named[1] = Math.max(named[1], problemJson);
        } else if (mostSpecific(plainJson, applicationStar, anyStar) != 0) {
            asPlainJson = true; // problem details as application/json, which the client did not refuse
        } else {
            named[1] = 0;
        }
        PageFormat format = choose(named, textStar, applicationStar, anyStar);
        return format == PageFormat.PROBLEM_JSON && asPlainJson ? Choice.JSON_AS_PLAIN_JSON : Choice.of(format);
    }

    /** The q-value the most specific range gives a type: the one naming it, else its type's wildcard, else any. */
    private static double mostSpecific(double exact, double typeStar, double anyStar) {
        return exact >= 0 ? exact : typeStar >= 0 ? typeStar : anyStar;
    }

    private PageFormat choose(double[] named, double textStar, double applicationStar, double anyStar) {
        PageFormat best = null;
        double bestQ = 0;
        for (PageFormat format : TIE_ORDER) {
            double q = named[format.ordinal()];
            if (q > bestQ) {
                best = format;
                bestQ = q;
            }
        }
        if (best != null) {
            return best;
        }
        // Per format: the q-value of the narrowest wildcard covering it (RFC 9110 §12.5.1: the most specific
        // range decides), so text/*;q=0 excludes HTML and text even beside */*.
        double text = textStar >= 0 ? textStar : anyStar;
        double[] covering = {text, applicationStar >= 0 ? applicationStar : anyStar, text};
        PageFormat accepted = mostAccepted(named, covering, textStar >= 0);
        if (accepted != null) {
            return accepted;
        }
        PageFormat notExcluded = firstAcceptable(named, covering, false);
        return notExcluded != null ? notExcluded : fallback;
    }

    /**
     * Of the formats a wildcard accepts (q > 0) and no range naming them excludes, the one whose narrowest covering
     * wildcard weighs most; among equals: plain text where {@code text/*} decides and weighs more than what covers
     * problem details (a bare {@code text/*} counts as plain text), else the fallback, else the first in tie order.
     * {@code null} when no wildcard accepts a format.
     */
    private @Nullable PageFormat mostAccepted(double[] named, double[] covering, boolean textStarGiven) {
        double bestQ = 0;
        for (PageFormat format : TIE_ORDER) {
            if (acceptable(format, named, covering, true)) {
                bestQ = Math.max(bestQ, covering[format.ordinal()]);
            }
        }
        if (bestQ == 0) {
            return null;
        }
        double textQ = covering[PageFormat.TEXT.ordinal()];
        if (textStarGiven && textQ == bestQ && covering[PageFormat.PROBLEM_JSON.ordinal()] < bestQ
                && acceptable(PageFormat.TEXT, named, covering, true)) {
            return PageFormat.TEXT;
        }
        if (acceptable(fallback, named, covering, true) && covering[fallback.ordinal()] == bestQ) {
            return fallback;
        }
        for (PageFormat format : TIE_ORDER) {
            if (acceptable(format, named, covering, true) && covering[format.ordinal()] == bestQ) {
                return format;
            }
        }
        throw new AssertionError(); // bestQ is the weight of an acceptable format
    }

    /** The fallback if the client does not exclude it, else the first format it does not exclude, else null. */
    private @Nullable PageFormat firstAcceptable(double[] named, double[] covering, boolean asked) {
        if (acceptable(fallback, named, covering, asked)) {
            return fallback;
        }
        for (PageFormat format : TIE_ORDER) {
            if (acceptable(format, named, covering, asked)) {
                return format;
            }
        }
        return null;
    }

    /**
     * Whether the client did not exclude the format: a q=0 on a range naming it, or on the narrowest wildcard
     * covering it; and, when {@code asked}, whether a range accepts it: one naming it or a wildcard covering it,
     * q > 0.
     */
    private static boolean acceptable(PageFormat format, double[] named, double[] covering, boolean asked) {
        int i = format.ordinal();
        // The most specific range decides (RFC 9110 §12.5.1): a named q=0 excludes even under a wildcard.
        return named[i] != 0 && (named[i] > 0 || (asked ? covering[i] > 0 : covering[i] != 0));
    }
}
