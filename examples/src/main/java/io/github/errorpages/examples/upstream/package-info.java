/**
 * The demo upstream, whose failure mode can be switched while it runs, and the gateway's page that switches it.
 */
@NullMarked
package io.github.errorpages.examples.upstream;

import org.jspecify.annotations.NullMarked;
