package io.github.errorpages.page.internal;

import com.github.mustachejava.Code;
import com.github.mustachejava.Mustache;
import com.github.mustachejava.codes.IterableCode;
import com.github.mustachejava.codes.PartialCode;
import com.github.mustachejava.codes.ValueCode;
import java.io.StringWriter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The names a compiled template looks up in the model that the model does not have. Mustache renders a missing
 * name as nothing: a misspelt {@code {{supportcode}}} shipped the page without its support code, unreported even
 * with {@code templates.strict}.
 *
 * <p>Walks the compiled code tree (with its partials, and a layout it extends with its blocks filled in): every
 * variable ({@code {{x}}}), section ({@code {{#x}}}) and inverted section ({@code {{^x}}}), a dotted name by its first
 * part (the rest is a value's, which a template cannot read anyway), the implicit {@code {{.}}} left alone. Names of
 * partials and blocks are file and block names, not the model's. Each unknown name comes with the closest known one,
 * to suggest. The same walk tells whether a template includes a file ({@link #includes}): a page that extends the
 * application's layout, whose findings are the layout's; and whether its text, in any section, has a {@code <script}
 * ({@link #hasScript}), which a render of one sample model may leave out.
 *
 * <p>Stateless and thread-safe.
 */
final class TemplateNames {

    /** How many edits apart a misspelt name may be from the known one it suggests. */
    private static final int MAX_SUGGESTED_DISTANCE = 2;

    private TemplateNames() {
    }

    /**
     * @param template a compiled template
     * @param known the model's keys
     * @return each unknown name once, in the order the template first uses it, with a suggestion where one is close
     */
    static List<String> unknown(Mustache template, Set<String> known) {
        Set<String> unknown = new LinkedHashSet<>();
        anyCode(template, code -> {
            if (code instanceof ValueCode || code instanceof IterableCode) { // NotIterableCode is an IterableCode
                String name = code.getName().strip();
                String first = name.equals(".") ? name : name.split("\\.", 2)[0];
                if (!first.equals(".") && !first.isEmpty() && !known.contains(first)) {
                    unknown.add(first);
                }
            }
            return false;
        });
        List<String> described = new ArrayList<>();
        for (String name : unknown) {
            String closest = closest(name, known);
            described.add(closest == null ? name : name + " (did you mean " + closest + "?)");
        }
        return described;
    }

    /**
     * Whether a compiled template includes a file, as a partial ({@code {{>file}}}) or a layout it extends
     * ({@code {{<file}}}), itself or through its partials; a name written without {@code .mustache} is that file
     * with it, as mustache reads it.
     *
     * @param template a compiled template
     * @param file the file's name, such as {@code layout.html.mustache}
     * @return whether it does
     */
    static boolean includes(Mustache template, String file) {
        return anyCode(template, code -> {
            if (!(code instanceof PartialCode)) { // an ExtendCode is a PartialCode
                return false;
            }
            String name = code.getName().strip();
            return (name.endsWith(".mustache") ? name : name + ".mustache").equals(file);
        });
    }

    /**
     * Whether the text of a compiled template, of the partials it includes and of a layout it extends (its blocks as
     * the template fills them), in any section, open or inverted, has a {@code <script} (ASCII case ignored): a page
     * may then run a script that the page one sample model renders lacks.
     *
     * @param template a compiled template
     * @return whether it does
     */
    static boolean hasScript(Mustache template) {
        // The text of each file once: identity() writes a code's tag, its children's and the text after it, a
        // partial's tag but none of the partial's codes, which the walk finds as the partial's children.
        StringWriter text = new StringWriter();
        Set<Code> written = Collections.newSetFromMap(new IdentityHashMap<>());
        writeChildren(template, written, text);
        anyCode(template, code -> {
            if (code instanceof PartialCode) { // an ExtendCode is a PartialCode: its children are the layout's
                writeChildren(code, written, text);
            }
            return false;
        });
        return text.toString().toLowerCase(Locale.ROOT).contains("<script");
    }

    private static void writeChildren(Code code, Set<Code> written, StringWriter text) {
        Code[] children = code.getCodes();
        if (children != null) {
            for (Code child : children) {
                if (child != null && written.add(child)) {
                    child.identity(text);
                }
            }
        }
    }

    /**
     * Walks the codes of a compiled template once each, in the template's order, its partials' and its layout's
     * included, until {@code found} says so. Iterative and with a visited set: sections nest thousands deep in a
     * hostile template, and a partial may include itself, which makes the tree a graph.
     *
     * @return whether {@code found} said so of a code
     */
    private static boolean anyCode(Mustache template, Predicate<Code> found) {
        Set<Code> visited = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Code> pending = new ArrayDeque<>();
        pushChildren(template, pending);
        while (!pending.isEmpty()) {
            Code code = pending.pop();
            if (!visited.add(code)) {
                continue;
            }
            if (found.test(code)) {
                return true;
            }
            pushChildren(code, pending);
        }
        return false;
    }

    private static void pushChildren(Code code, Deque<Code> pending) {
        Code[] children = code.getCodes();
        if (children != null) {
            // Pushed last first, so that names come out in the template's order.
            for (int i = children.length - 1; i >= 0; i--) {
                if (children[i] != null) {
                    pending.push(children[i]);
                }
            }
        }
    }

    /**
     * The known name that differs from {@code name} in case only, else the one fewest edits away within
     * {@link #MAX_SUGGESTED_DISTANCE} (case ignored; the first in alphabetical order among equals), else none.
     */
    static @Nullable String closest(String name, Set<String> known) {
        String lower = name.toLowerCase(Locale.ROOT);
        @Nullable String best = null;
        int bestDistance = MAX_SUGGESTED_DISTANCE + 1;
        for (String candidate : new TreeSet<>(known)) {
            int distance = distance(lower, candidate.toLowerCase(Locale.ROOT));
            if (distance < bestDistance) {
                best = candidate;
                bestDistance = distance;
            }
        }
        return best;
    }

    /** The Levenshtein distance: insertions, deletions and substitutions. */
    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
