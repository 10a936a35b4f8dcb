/**
 * Implementation details of the upstream guard. Not API: anything here may change in any release.
 */
@NullMarked
package io.github.errorpages.upstream.internal;

import org.jspecify.annotations.NullMarked;
