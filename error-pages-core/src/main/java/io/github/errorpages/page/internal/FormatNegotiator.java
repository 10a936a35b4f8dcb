package io.github.errorpages.page.internal;

import io.github.errorpages.page.PageFormat;
import org.jspecify.annotations.Nullable;

/**
 * Chooses the format of an error response from the request's {@code Accept} field (standards R34).
 *
 * <p>Each format weighs what the ranges naming it say, when one does: {@code text/html} and
 * {@code application/xhtml+xml} for HTML; {@code application/problem+json}, {@code application/json}
 * and any {@code application/*+json} for problem details; {@code text/plain} for text (the highest of their
 * q-values). A format no range names weighs what the narrowest wildcard covering it says (RFC 9110 §12.5.1).
 * The heaviest wins. Among equals a named format beats one only a wildcard covers (ties among named ones: HTML,
 * problem details, text), and among formats only wildcards cover, the fallback does, but a bare {@code text/*}
 * counts as plain text. So a browser, which names {@code text/html} before its {@code *}{@code /*;q=0.8}, gets
 * HTML, and {@code application/json, *}{@code /*} problem details; {@code *}{@code /*} alone, an absent
 * field or a field naming none of ours ({@code image/png}) gets the configured fallback: never a 406. A client
 * that rates a named format below a wildcard gets what it prefers: {@code text/html;q=0.1, *}{@code /*} no HTML,
 * and {@code application/*}, or {@code *}{@code /*;q=0.1, application/*}, problem details even with an HTML
 * fallback.
 *
 * <p>The media type sent is never one the client refuses, by name or by the most specific range covering it
 * (RFC 9110 §12.5.1; {@code q=0} means "not acceptable"), unless every format is refused, in which case the
 * fallback is sent anyway. HTML goes as {@code text/html} only, so {@code text/html;q=0} or {@code text/*;q=0}
 * refuses it even beside {@code application/xhtml+xml}, and {@code application/xhtml+xml;q=0} refuses nothing.
 * Problem details go as {@code application/problem+json}, or, when the client refuses that type
 * ({@code application/json, application/problem+json;q=0}), as {@code application/json}: refusing
 * {@code application/json} alone (or another {@code +json} type) leaves problem details acceptable.
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
        // Per format: the highest q-value above 0 of the ranges that name it, a preference (-1: none does).
        double[] named = {-1, -1, -1};
        double textStar = -1;
        double applicationStar = -1;
        double anyStar = -1;
        // The q-values of the ranges naming exactly the types sent (-1: none does).
        double textHtml = -1;
        double problemJson = -1;
        double plainJson = -1;
        double textPlain = -1;
        for (QualityValue range : QualityValue.elements(accept, MAX_RANGES)) {
            String type = range.value();
            double q = range.q();
            switch (type) {
                case "text/html" -> {
                    prefer(named, PageFormat.HTML, q);
                    textHtml = Math.max(textHtml, q);
                }
                case "application/xhtml+xml" -> prefer(named, PageFormat.HTML, q);
                case "application/problem+json" -> {
                    prefer(named, PageFormat.PROBLEM_JSON, q);
                    problemJson = Math.max(problemJson, q);
                }
                case "application/json" -> {
                    prefer(named, PageFormat.PROBLEM_JSON, q);
                    plainJson = Math.max(plainJson, q);
                }
                case "text/plain" -> {
                    prefer(named, PageFormat.TEXT, q);
                    textPlain = Math.max(textPlain, q);
                }
                case "text/*" -> textStar = Math.max(textStar, q);
                case "application/*" -> applicationStar = Math.max(applicationStar, q);
                case "*/*" -> anyStar = Math.max(anyStar, q);
                default -> {
                    if (type.startsWith("application/") && type.endsWith("+json")) {
                        prefer(named, PageFormat.PROBLEM_JSON, q);
                    }
                }
            }
        }
        // A format is refused when the media type it goes as is (RFC 9110 §12.5.1: the most specific range
        // decides), whatever other ranges naming the format say: HTML goes as text/html only, so
        // application/xhtml+xml;q=0 refuses nothing sent; problem details go as application/json when the client
        // refuses application/problem+json, so only refusing both refuses them.
        double asProblemJson = mostSpecific(problemJson, applicationStar, anyStar);
        double asPlainJson = mostSpecific(plainJson, applicationStar, anyStar);
        boolean[] refused = {mostSpecific(textHtml, textStar, anyStar) == 0, asProblemJson == 0 && asPlainJson == 0,
            mostSpecific(textPlain, textStar, anyStar) == 0};
        PageFormat format = choose(named, refused, textStar, applicationStar, anyStar);
        return format == PageFormat.PROBLEM_JSON && asProblemJson == 0 ? Choice.JSON_AS_PLAIN_JSON : Choice.of(format);
    }

    /** Records a range naming a format as a preference for it, unless its q-value of 0 refuses that type. */
    private static void prefer(double[] named, PageFormat format, double q) {
        if (q > 0) {
            named[format.ordinal()] = Math.max(named[format.ordinal()], q);
        }
    }

    /** The q-value the most specific range gives a type: the one naming it, else its type's wildcard, else any. */
    private static double mostSpecific(double exact, double typeStar, double anyStar) {
        return exact >= 0 ? exact : typeStar >= 0 ? typeStar : anyStar;
    }

    private PageFormat choose(double[] named, boolean[] refused, double textStar, double applicationStar,
            double anyStar) {
        // Per format: the q-value of the narrowest wildcard covering it (RFC 9110 §12.5.1: the most specific
        // range decides).
        double text = textStar >= 0 ? textStar : anyStar;
        double[] covering = {text, applicationStar >= 0 ? applicationStar : anyStar, text};
        // Per format, its weight: that of the ranges naming it when one does, else of its covering wildcard. The
        // heaviest wins; among equals a named one (a client that names a type asks for it), first in tie order.
        PageFormat best = null;
        double bestQ = 0;
        boolean bestNamed = false;
        for (PageFormat format : TIE_ORDER) {
            int i = format.ordinal();
            boolean isNamed = named[i] >= 0;
            double q = isNamed ? named[i] : covering[i];
            if (!refused[i] && (q > bestQ || (q == bestQ && q > 0 && isNamed && !bestNamed))) {
                best = format;
                bestQ = q;
                bestNamed = isNamed;
            }
        }
        if (bestNamed) {
            return best;
        }
        if (best != null) {
            return mostAccepted(covering, named, refused, bestQ, textStar >= 0);
        }
        if (!refused[fallback.ordinal()]) {
            return fallback;
        }
        for (PageFormat format : TIE_ORDER) {
            if (!refused[format.ordinal()]) {
                return format;
            }
        }
        return fallback; // every format refused: the fallback anyway, never a 406
    }

    /**
     * Of the formats no range names, not refused, whose narrowest covering wildcard weighs {@code bestQ} (the most),
     * the one to send: plain text where {@code text/*} decides and problem details are not among them (a bare
     * {@code text/*} counts as plain text), else the fallback, else the first in tie order.
     */
    private PageFormat mostAccepted(double[] covering, double[] named, boolean[] refused, double bestQ,
            boolean textStarGiven) {
        int text = PageFormat.TEXT.ordinal();
        if (textStarGiven && accepted(text, covering, named, refused, bestQ)
                && !accepted(PageFormat.PROBLEM_JSON.ordinal(), covering, named, refused, bestQ)) {
            return PageFormat.TEXT;
        }
        if (accepted(fallback.ordinal(), covering, named, refused, bestQ)) {
            return fallback;
        }
        for (PageFormat format : TIE_ORDER) {
            if (accepted(format.ordinal(), covering, named, refused, bestQ)) {
                return format;
            }
        }
        throw new AssertionError(); // bestQ is the weight of a format neither named nor refused
    }

    private static boolean accepted(int format, double[] covering, double[] named, boolean[] refused, double bestQ) {
        return !refused[format] && named[format] < 0 && covering[format] == bestQ;
    }
}
