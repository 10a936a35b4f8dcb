/**
 * The loopback load harness of issue 7: server scenarios in their own JVMs driven by {@code wrk}, and the
 * budgets that compare them side by side. Run it with {@code benchmarks/load.sh}.
 */
@NullMarked
package io.github.errorpages.benchmarks.load;

import org.jspecify.annotations.NullMarked;
