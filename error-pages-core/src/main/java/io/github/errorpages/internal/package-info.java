/**
 * Implementation details of error-pages-core. Not API: anything here may change in any release.
 */
@NullMarked
package io.github.errorpages.internal;

import org.jspecify.annotations.NullMarked;
