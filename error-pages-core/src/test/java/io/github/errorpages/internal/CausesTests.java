package io.github.errorpages.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class CausesTests {

    /** Reads as nothing what cannot be read, an Error included (an AssertionError of an override under -ea). */
    @Test
    void readsAsNothingWhatAThrowableCannotTell() {
        RuntimeException broken = new IllegalStateException("lookup failed") {
            @Override
            public String getMessage() {
                throw new AssertionError("getMessage failed");
            }

            @Override
            public synchronized Throwable getCause() {
                throw new AssertionError("getCause failed");
            }
        };

        assertThat(Causes.messageOf(broken)).isNull();
        assertThat(Causes.of(broken)).isNull();
        assertThat(Causes.describe(broken)).isEqualTo(broken.getClass().getName());
        assertThat(Causes.toStringOf(broken)).isEqualTo(broken.getClass().getName());
    }

    /**
     * A logger prints a throwable, its causes and what they suppressed with toString(): one a link of which cannot be
     * printed failed the log call, and with it the call being logged. A stand-in of its description and stack trace
     * is printed instead; a throwable that prints is logged as it is.
     */
    @Test
    void standsInForAThrowableThatALoggerCannotPrint() {
        RuntimeException unprintable = new IllegalStateException() {
            @Override
            public String getMessage() {
                throw new IllegalStateException("getMessage failed");
            }
        };
        IOException printable = new IOException("Connection reset");
        IOException wrapping = new IOException("read failed", unprintable);
        IOException suppressing = new IOException("closed");
        suppressing.addSuppressed(unprintable);
        // Deeper: a suppressed exception's cause, and a cause past 16 links, which the logger prints all the same.
        IOException suppressedCause = new IOException("call failed");
        suppressedCause.addSuppressed(new IOException("close failed", unprintable));
        Throwable deep = unprintable;
        for (int i = 0; i < 20; i++) {
            deep = new IOException("link " + i, deep);
        }

        assertThat(Causes.printable(printable)).isSameAs(printable);
        for (Throwable cannot : new Throwable[] {unprintable, wrapping, suppressing, suppressedCause, deep}) {
            Throwable standIn = Causes.printable(cannot);
            assertThat(standIn).isNotSameAs(cannot).hasMessageStartingWith("an exception that cannot be printed: ");
            assertThat(standIn.getStackTrace()).isEqualTo(cannot.getStackTrace());
            StringWriter printed = new StringWriter();
            standIn.printStackTrace(new PrintWriter(printed));
            assertThat(printed.toString()).contains("CausesTests");
        }
    }

    /**
     * A throwable met twice (a cause that is also suppressed, a cycle of causes a logger prints with "CIRCULAR
     * REFERENCE") is checked once and logged as it is; a graph of more throwables than are checked is stood in for
     * rather than walked to its end on the error path; and one whose stack trace cannot be read either is stood in for
     * with the stand-in's own, the log call never failing.
     */
    @Test
    @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a walk that never ends fails
    void checksEachThrowableOnceAndAFewOnly() {
        IOException first = new IOException("read failed");
        IOException second = new IOException("retry failed", first);
        first.initCause(second); // a cycle
        second.addSuppressed(first);
        IOException wide = new IOException("many failed");
        for (int i = 0; i < 300; i++) {
            wide.addSuppressed(new IOException("close " + i + " failed"));
        }
        RuntimeException unreadable = new IllegalStateException() {
            @Override
            public String toString() {
                throw new IllegalStateException("toString failed");
            }

            @Override
            public StackTraceElement[] getStackTrace() {
                throw new IllegalStateException("getStackTrace failed");
            }
        };

        assertThat(Causes.printable(second)).isSameAs(second);
        assertThat(Causes.printable(wide)).isNotSameAs(wide)
                .hasMessage("an exception that cannot be printed: java.io.IOException: many failed");
        assertThat(Causes.printable(unreadable)).isNotSameAs(unreadable)
                .hasMessageStartingWith("an exception that cannot be printed: ");
    }
}
