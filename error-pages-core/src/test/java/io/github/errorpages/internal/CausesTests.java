package io.github.errorpages.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

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
}
