/**
 * Hand-written servlet request, response and configuration for the JMH benchmarks, which cannot run a
 * container inside a benchmark method.
 */
@NullMarked
package io.github.errorpages.benchmarks.servlet;

import org.jspecify.annotations.NullMarked;
