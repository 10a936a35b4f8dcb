/**
 * error-pages for Jakarta Servlet 6 containers (Jetty 12, Tomcat 10.1 and 11): the drop-in
 * {@link io.github.errorpages.servlet.ErrorPagesFilter}, its optional automatic registration
 * ({@link io.github.errorpages.servlet.ErrorPagesInitializer}), and a reverse-proxy servlet for apps that
 * are gateways.
 */
@NullMarked
package io.github.errorpages.servlet;

import org.jspecify.annotations.NullMarked;
