/**
 * Extension points: types that users and other libraries implement to extend error-pages.
 */
@NullMarked
package io.github.errorpages.spi;

import org.jspecify.annotations.NullMarked;
