/**
 * Implementation of error-page rendering: negotiation, messages, templates, headers. Not API: anything
 * here may change in any release.
 */
@NullMarked
package io.github.errorpages.page.internal;

import org.jspecify.annotations.NullMarked;
