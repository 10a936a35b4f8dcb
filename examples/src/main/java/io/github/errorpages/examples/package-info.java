/**
 * Runnable demos of error-pages: the demo gateway (servlet), its switchable demo upstream (upstream) and the decision table.
 */
@NullMarked
package io.github.errorpages.examples;

import org.jspecify.annotations.NullMarked;
