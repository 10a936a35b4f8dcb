/**
 * Extension points: types that users and other libraries implement to extend error-pages.
 *
 * <p>Nulls: parameters and return values are never {@code null} unless annotated {@code @Nullable} (the package is
 * {@code @NullMarked}, JSpecify): an implementation may rely on its arguments being non-null, and must return
 * {@code null} only where the return type is {@code @Nullable}.
 */
@NullMarked
package io.github.errorpages.spi;

import org.jspecify.annotations.NullMarked;
