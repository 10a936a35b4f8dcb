/**
 * The JMH benchmarks of issue 7: the filter's happy path, classification and decision, rendering, the
 * upstream guard and an open breaker end to end. Run them as {@code benchmarks/README.md} says.
 */
@NullMarked
package io.github.errorpages.benchmarks;

import org.jspecify.annotations.NullMarked;
