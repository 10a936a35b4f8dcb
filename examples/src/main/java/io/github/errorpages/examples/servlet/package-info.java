/**
 * The demo gateway: embedded Jetty 12, plain Servlet API, error-pages' proxy servlet and filter in front of a switchable upstream.
 */
@NullMarked
package io.github.errorpages.examples.servlet;

import org.jspecify.annotations.NullMarked;
