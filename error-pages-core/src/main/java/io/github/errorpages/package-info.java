/**
 * The error-pages API: the cause of an upstream failure ({@link io.github.errorpages.FailureCause}),
 * how it is recognised ({@link io.github.errorpages.FailureClassifier}), and the one decision that turns
 * it into a status, a {@code Retry-After} and an error code ({@link io.github.errorpages.ErrorPolicy}).
 *
 * <p>Nulls: parameters and return values are never {@code null} unless annotated {@code @Nullable} (the package is
 * {@code @NullMarked}, JSpecify). A {@code null} passed where a parameter is not {@code @Nullable} is a programming
 * error: the method throws {@link java.lang.NullPointerException} at the call (an asynchronous one too, rather than
 * return a failed future), which its own javadoc does not repeat as a {@code @throws} clause.
 */
@NullMarked
package io.github.errorpages;

import org.jspecify.annotations.NullMarked;
