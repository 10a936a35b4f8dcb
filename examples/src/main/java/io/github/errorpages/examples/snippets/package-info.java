/**
 * The code shown in the README and in docs/, kept here so that it compiles, and run by the examples' tests.
 */
@NullMarked
package io.github.errorpages.examples.snippets;

import org.jspecify.annotations.NullMarked;
