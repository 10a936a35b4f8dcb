/**
 * error-pages for Jakarta Servlet 6 containers (Jetty 12, Tomcat 10.1 and 11): the drop-in
 * {@link io.github.errorpages.servlet.ErrorPagesFilter}, its optional automatic registration
 * ({@link io.github.errorpages.servlet.ErrorPagesInitializer}), and a reverse-proxy servlet for apps that
 * are gateways.
 *
 * <p>Nulls: parameters and return values are never {@code null} unless annotated {@code @Nullable} (the package is
 * {@code @NullMarked}, JSpecify). A {@code null} passed where a parameter is not {@code @Nullable} is a programming
 * error: the method throws {@link java.lang.NullPointerException} at the call (an asynchronous one too, rather than
 * return a failed future), which its own javadoc does not repeat as a {@code @throws} clause.
 */
@NullMarked
package io.github.errorpages.servlet;

import org.jspecify.annotations.NullMarked;
