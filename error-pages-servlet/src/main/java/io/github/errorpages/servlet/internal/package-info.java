/**
 * Implementation of the servlet module: response capture, page writing, parameter parsing. Not API: any
 * type here may change in any release.
 */
@NullMarked
package io.github.errorpages.servlet.internal;

import org.jspecify.annotations.NullMarked;
