package io.github.errorpages.benchmarks.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.ErrorDecision;
import io.github.errorpages.ErrorPages;
import io.github.errorpages.ErrorRequest;
import io.github.errorpages.FailureCause;
import io.github.errorpages.UpstreamFailure;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How {@link JfrShares} lays each sample of a recording to the library, the application or neither. */
class JfrSharesTests {

    private static final String BODY = "io.github.errorpages.page.internal.PageShape.body";
    private static final String RENDER = "io.github.errorpages.page.internal.PageRenderer.render";
    private static final String WRITE_PAGE = "io.github.errorpages.servlet.internal.PageWriter.write";
    private static final String FILTER_RUN = "io.github.errorpages.servlet.ErrorPagesFilter.run";
    private static final String SET_HEADER = "org.eclipse.jetty.ee10.servlet.ServletApiResponse.setHeader";
    private static final String PUT_FIELD = "org.eclipse.jetty.http.HttpFields$Mutable.put";
    private static final String HANDLE = "org.eclipse.jetty.server.Server.handle";
    private static final String SERVLET = "io.github.errorpages.benchmarks.load.Scenario$FixedBodyServlet.service";
    private static final String OUTPUT_WRITE = "org.eclipse.jetty.ee10.servlet.HttpOutput.write";

    @Test
    void aSampleWithTheLibrarysFrameOnTopIsItsOwnCode() {
        JfrShares shares = new JfrShares();

        shares.addSample(List.of(BODY, RENDER, HANDLE), false);

        assertThat(shares.withLibrary()).isEqualTo(1);
        assertThat(shares.libraryOnTop()).isEqualTo(1);
        assertThat(shares.ownCode()).isEqualTo(Map.of(BODY, 1));
        assertThat(shares.askedOfOthers()).isEmpty();
    }

    @Test
    void theContainersCodeAboveTheLibrarysFrameIsWorkTheLibraryAskedFor() {
        JfrShares shares = new JfrShares();

        shares.addSample(List.of(PUT_FIELD, SET_HEADER, WRITE_PAGE, FILTER_RUN, HANDLE), false);

        assertThat(shares.withLibrary()).isEqualTo(1);
        assertThat(shares.libraryOnTop()).isZero();
        assertThat(shares.askedOfOthers()).as("by the nearest frame of the library's and what it called")
                .isEqualTo(Map.of(WRITE_PAGE + " -> " + SET_HEADER, 1));
    }

    @Test
    void theApplicationsFrameNearerTheTopThanTheLibrarysMakesTheSampleTheApplications() {
        JfrShares shares = new JfrShares();

        shares.addSample(List.of(OUTPUT_WRITE, SERVLET, FILTER_RUN, HANDLE), false);
        shares.addSample(List.of(HANDLE), false);

        assertThat(shares.samples()).isEqualTo(2);
        assertThat(shares.application()).isEqualTo(1);
        assertThat(shares.withLibrary()).isZero();
        assertThat(shares.askedOfOthers()).isEmpty();
    }

    @Test
    void allocationIsLaidToTheLibrarysNearestFrameByClass() {
        JfrShares shares = new JfrShares();

        shares.addAllocation(List.of("java.util.Arrays.copyOf", BODY, RENDER), "byte[]", 9_600);
        shares.addAllocation(List.of(BODY, RENDER), "byte[]", 400);
        shares.addAllocation(List.of("java.util.ArrayList.<init>", SERVLET, FILTER_RUN), "java.util.ArrayList", 64);
        shares.addAllocation(List.of(), "java.lang.Object", 16);

        assertThat(shares.allocatedUnderLibrary()).isEqualTo(Map.of("byte[] via " + BODY, 10_000L));
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        shares.print(new PrintStream(printed, true, StandardCharsets.UTF_8), "test.jfr", 5);
        assertThat(printed.toString(StandardCharsets.UTF_8))
                .contains("  99.2 % byte[] via " + BODY) // 10,000 of 10,080 bytes
                .contains("of 0 MB in all");
    }

    /**
     * A real recording of this JVM rendering pages: the samples of the renderer's frames are read back as the
     * library's. Renders until the recording's stream has seen such samples (or a minute has passed, which fails).
     */
    @Test
    void aRealRecordingOfTheLibrarysCodeIsLaidToTheLibrary(@TempDir Path directory) throws Exception {
        ErrorPages pages = ErrorPages.ofDefaults();
        ErrorDecision decision =
                pages.policy().decide(UpstreamFailure.builder(FailureCause.CONNECTION_REFUSED).build());
        ErrorRequest browser = new ErrorRequest("GET", "/orders", "text/html", "en", null);
        Path recording = directory.resolve("rendering.jfr");
        AtomicInteger renderSamples = new AtomicInteger();
        try (RecordingStream stream = new RecordingStream()) {
            stream.setMaxAge(Duration.ofMinutes(5)); // kept for the dump: without a bound, a dump may hold no events
            stream.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(1)).withStackTrace();
            stream.enable("jdk.ObjectAllocationSample").withStackTrace();
            stream.onEvent("jdk.ExecutionSample", event -> {
                if (event.getStackTrace() != null && event.getStackTrace().getFrames().stream()
                        .map(RecordedFrame::getMethod).anyMatch(method -> method.getName().equals("render")
                                && method.getType().getName().startsWith("io.github.errorpages."))) {
                    renderSamples.incrementAndGet();
                }
            });
            stream.startAsync();
            long giveUp = System.nanoTime() + Duration.ofMinutes(1).toNanos();
            while (renderSamples.get() < 20 && System.nanoTime() < giveUp) {
                for (int i = 0; i < 1000; i++) {
                    pages.render(decision, browser);
                }
            }
            stream.dump(recording);
        }

        JfrShares shares = JfrShares.of(recording);

        assertThat(renderSamples).as("samples of the renderer the stream saw").hasValueGreaterThanOrEqualTo(20);
        assertThat(shares.withLibrary()).as("samples laid to the library").isGreaterThanOrEqualTo(20);
        assertThat(shares.ownCode().keySet()).as("the library's own methods")
                .allMatch(method -> method.startsWith("io.github.errorpages.")).isNotEmpty();
    }
}
