/**
 * Error pages: how they look ({@link io.github.errorpages.page.Branding}), how they are rendered
 * ({@link io.github.errorpages.page.PageConfig}) and in which formats
 * ({@link io.github.errorpages.page.PageFormat}).
 *
 * <p><b>Writing a template.</b> A replacement template is a mustache file (see {@link
 * io.github.errorpages.page.PageConfig} for names and lookup). It is rendered from one flat model; every
 * value is a string, except the flags, which are booleans for {@code {{#flag}}...{{/flag}}} sections.
 * Values are escaped for the format (HTML, JSON string, plain text); unescaped output cannot be asked for.
 * An HTML template may reuse the built-in layout with {@code {{<layout.html.mustache}}{{$art}}...{{/art}}{{/layout.html.mustache}}}.
 * Keep style and script in one {@code <style>} and one {@code <script>} element: the
 * {@code Content-Security-Policy} allows exactly the inline elements the page has, by hash, and nothing
 * else (no {@code style} or {@code on...} attributes, nothing from other origins).
 *
 * <p><b>Rendered ahead.</b> The first response of each kind (format, page, status, language, flags) renders
 * its template in full; later ones reuse what did not change and fill in only the per-response values
 * ({@code supportCode}, {@code instance}, the times, the retry words, {@code errorCode},
 * {@code sinceSentence}), byte for byte what a full render gives. A template that puts one of those values
 * in its {@code <style>} or {@code <script>} is rendered in full on every response instead: correct, slower.
 * <table>
 *   <caption>The model</caption>
 *   <tr><th>Keys</th><th>What</th></tr>
 *   <tr><td>{@code status}, {@code statusText}, {@code errorLabel}, {@code errorCode}</td>
 *       <td>the status ({@code 503}), its reason phrase, "Error 503" in the page's language, and the stable error
 *       code ({@code destination_unavailable}, or {@code maintenance})</td></tr>
 *   <tr><td>{@code title}, {@code documentTitle}, {@code heading}, {@code lead}, {@code detail}</td>
 *       <td>the page's messages: title, title with the site name, the {@code <h1>}, what happened, and the
 *       problem details text for API clients</td></tr>
 *   <tr><td>{@code lang}, {@code dir}, {@code ltrStart}, {@code ltrEnd}</td><td>the language tag (also sent as
 *       {@code Content-Language}), {@code ltr} or {@code rtl}, and on right-to-left pages the characters that
 *       isolate a left-to-right value in plain text (U+2066, U+2069; empty elsewhere)</td></tr>
 *   <tr><td>{@code hasRetryAfter}, {@code retryAfterSeconds}, {@code retryIso}, {@code retryText},
 *       {@code retryPrefix}, {@code retrySuffix}, {@code retrySentence}</td>
 *       <td>when to try again: the {@code Retry-After} seconds, as an ISO duration ({@code PT30S}), in words
 *       ("30 seconds"), and the sentence around them ("Please try again in ", "."), also whole</td></tr>
 *   <tr><td>{@code hasSince}, {@code sinceSentence}</td><td>whether the trouble is new or has lasted (from
 *       {@code UpstreamFailure.failingSince}), or when a maintenance should end</td></tr>
 *   <tr><td>{@code supportCode}, {@code instance}, {@code timeIso}, {@code timeText}</td>
 *       <td>the support code, the problem details {@code instance} ({@code urn:uuid:...}), and the time of the
 *       response (UTC)</td></tr>
 *   <tr><td>{@code autoRetry}, {@code autoRetryAnnounce}</td><td>whether to count down (GET, enabled, short
 *       enough), and the sentence announcing it</td></tr>
 *   <tr><td>{@code siteName}, {@code siteInitial}, {@code logo}, {@code homeUrl}, {@code statusPageUrl},
 *       {@code supportHref}</td>
 *       <td>branding; empty strings when not set</td></tr>
 *   <tr><td>{@code lightText}, {@code lightBackground}, {@code lightPrimary}, {@code lightOnPrimary},
 *       {@code lightMuted}, {@code lightCanvas}, {@code lightLine}, {@code lightTint}, and the same with
 *       {@code dark}</td><td>the colours of both schemes, {@code #rrggbb}</td></tr>
 *   <tr><td>{@code noindex}, {@code maintenance}</td><td>flags</td></tr>
 *   <tr><td>{@code tryAgain}, {@code goHome}, {@code checkStatus}, {@code contactSupport},
 *       {@code supportHeading}, {@code supportText}, {@code supportCodeLabel}, {@code timeLabel},
 *       {@code pageLabel}, {@code labelSeparator}, {@code copyDetails}, {@code copied}, {@code copyFailed},
 *       {@code autoRetry...}</td>
 *       <td>the other messages of the page's language</td></tr>
 * </table>
 *
 * <p>Nulls: parameters and return values are never {@code null} unless annotated {@code @Nullable} (the package is
 * {@code @NullMarked}, JSpecify). A {@code null} passed where a parameter is not {@code @Nullable} is a programming
 * error: the method throws {@link java.lang.NullPointerException} at the call (an asynchronous one too, rather than
 * return a failed future), which its own javadoc does not repeat as a {@code @throws} clause.
 */
@NullMarked
package io.github.errorpages.page;

import org.jspecify.annotations.NullMarked;
