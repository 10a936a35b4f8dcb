/**
 * The error-pages API: the cause of an upstream failure ({@link io.github.errorpages.FailureCause}),
 * how it is recognised ({@link io.github.errorpages.FailureClassifier}), and the one decision that turns
 * it into a status, a {@code Retry-After} and an error code ({@link io.github.errorpages.ErrorPolicy}).
 */
@NullMarked
package io.github.errorpages;

import org.jspecify.annotations.NullMarked;
