package io.github.errorpages.internal;

import static io.github.errorpages.testing.TestThreads.OWN_THREAD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.errorpages.ErrorDecision;
import io.github.errorpages.ErrorPages;
import io.github.errorpages.ErrorRequest;
import io.github.errorpages.ErrorResponse;
import io.github.errorpages.FailureCause;
import io.github.errorpages.UpstreamFailure;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;

/**
 * Pages rendered within {@link ThreadBodies#rendering} go into arrays of the thread's own, and are the same pages;
 * every other page gets a new array, as {@link ErrorResponse} promises.
 */
class ThreadBodiesTests {

    /** A fixed clock: the pages' times, hence their lengths, stay the same from one render to the next. */
    private static final ErrorPages PAGES = ErrorPages.builder()
            .clock(Clock.fixed(Instant.parse("2026-12-05T13:30:00Z"), ZoneOffset.UTC)).build();
    private static final ErrorDecision DECISION = PAGES.policy().decide(
            UpstreamFailure.builder(FailureCause.CONNECTION_REFUSED).upstream("orders").build());
    private static final ErrorRequest BROWSER = new ErrorRequest("GET", "/orders", "text/html", "en", null);
    private static final ErrorRequest BROWSER_TAKING_GZIP =
            new ErrorRequest("GET", "/orders", "text/html", "en", null, "gzip, deflate");

    @Test
    void outsideRenderingEveryPageHasANewArray() {
        ErrorResponse first = PAGES.render(DECISION, BROWSER);
        ErrorResponse second = PAGES.render(DECISION, BROWSER);

        assertThat(second.body()).hasSameSizeAs(first.body()).isNotSameAs(first.body());
        assertThat(first.bodyText()).as("the first page, untouched by the second")
                .contains(first.supportCode()).doesNotContain(second.supportCode());
    }

    @Test
    void withinRenderingTheNextPageOfTheSameLengthGoesIntoTheThreadsArray() {
        ErrorResponse first = ThreadBodies.rendering(() -> PAGES.render(DECISION, BROWSER));
        String firstText = first.bodyText();
        ErrorResponse second = ThreadBodies.rendering(() -> PAGES.render(DECISION, BROWSER));

        assertThat(second.body()).isSameAs(first.body());
        assertThat(withoutItsOwnValues(second.bodyText(), second)).as("the whole page, the second one's")
                .isEqualTo(withoutItsOwnValues(firstText, first));
    }

    @Test
    void aCompressedPageGoesIntoAnArrayOfItsOwnLength() {
        ErrorResponse plain = ThreadBodies.rendering(() -> PAGES.render(DECISION, BROWSER));
        byte[] plainArray = plain.body();
        ErrorResponse compressed = ThreadBodies.rendering(() -> PAGES.render(DECISION, BROWSER_TAKING_GZIP));
        ErrorResponse compressedAgain = ThreadBodies.rendering(() -> PAGES.render(DECISION, BROWSER_TAKING_GZIP));

        assertThat(compressed.header("Content-Encoding")).isEqualTo("gzip");
        assertThat(compressed.body()).isNotSameAs(plainArray).isSameAs(compressedAgain.body());
        assertThat(compressedAgain.bodyText()).as("decompressed")
                .contains(compressedAgain.supportCode()).doesNotContain(compressed.supportCode());
        assertThat(ThreadBodies.rendering(() -> PAGES.render(DECISION, BROWSER)).body())
                .as("the plain page's array, still kept").isSameAs(plainArray);
    }

    @Test
    void anotherThreadRendersIntoArraysOfItsOwn() {
        byte[] mine = ThreadBodies.rendering(() -> PAGES.render(DECISION, BROWSER)).body();

        byte[] theirs = CompletableFuture.supplyAsync(
                () -> ThreadBodies.rendering(() -> PAGES.render(DECISION, BROWSER)).body(), OWN_THREAD).join();

        assertThat(theirs).hasSameSizeAs(mine).isNotSameAs(mine);
    }

    /**
     * A virtual thread (Java 21+), which a server on virtual threads starts for each request, renders every page into
     * a new array, within {@link ThreadBodies#rendering} too, and keeps none: it renders one page and ends, so an
     * array kept for its next page would never be used, and keeping it cost the thread's state on every page. The
     * pages are whole, each with its own support code. Started through reflection, as the tests compile for Java 17.
     */
    @Test
    @EnabledForJreRange(min = JRE.JAVA_21)
    void aVirtualThreadRendersEveryPageIntoANewArray() throws Exception {
        CompletableFuture<ErrorResponse[]> pages = new CompletableFuture<>();
        Runnable render = () -> {
            try {
                pages.complete(new ErrorResponse[] {
                    ThreadBodies.rendering(() -> PAGES.render(DECISION, BROWSER)),
                    ThreadBodies.rendering(() -> PAGES.render(DECISION, BROWSER))});
            } catch (RuntimeException | Error failed) {
                pages.completeExceptionally(failed); // the test fails with it, not with a timeout
            }
        };
        Object virtualThreads = Thread.class.getMethod("ofVirtual").invoke(null);
        Class.forName("java.lang.Thread$Builder").getMethod("start", Runnable.class).invoke(virtualThreads, render);

        ErrorResponse[] rendered = pages.get(10, TimeUnit.SECONDS);
        assertThat(rendered[1].body()).as("the second page's array").hasSameSizeAs(rendered[0].body())
                .isNotSameAs(rendered[0].body());
        assertThat(rendered[0].bodyText()).as("the first page, untouched by the second")
                .contains(rendered[0].supportCode()).doesNotContain(rendered[1].supportCode());
        assertThat(withoutItsOwnValues(rendered[1].bodyText(), rendered[1]))
                .isEqualTo(withoutItsOwnValues(rendered[0].bodyText(), rendered[0]));
    }

    @Test
    void renderingEndsWithItsRenderEvenWhenThatThrows() {
        assertThatThrownBy(() -> ThreadBodies.rendering(() -> {
            throw new IllegalStateException("the render failed");
        })).hasMessage("the render failed");

        assertThat(ThreadBodies.array(64)).as("a new array after it").isNotSameAs(ThreadBodies.array(64));
    }

    @Test
    void aRenderingWithinAnotherLeavesTheOuterOneOpen() {
        byte[] outer = ThreadBodies.rendering(() -> {
            ThreadBodies.rendering(() -> ThreadBodies.array(64));
            return ThreadBodies.array(64);
        });

        assertThat(ThreadBodies.rendering(() -> ThreadBodies.array(64))).as("the thread's array of 64 bytes")
                .isSameAs(outer);
        assertThat(ThreadBodies.array(64)).as("outside any rendering").isNotSameAs(outer);
    }

    /** The page with the values of its response alone (support code, problem instance) taken out. */
    private static String withoutItsOwnValues(String page, ErrorResponse response) {
        assertThat(page).contains(response.supportCode());
        return page.replace(response.supportCode(), "SUPPORT-CODE").replaceAll("urn:uuid:[0-9a-f-]{36}", "INSTANCE");
    }
}
