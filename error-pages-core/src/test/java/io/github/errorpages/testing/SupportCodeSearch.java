package io.github.errorpages.testing;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The search that docs/troubleshooting.md gives the operators for the lines of a support code a user reports,
 * {@code grep -iE 'support_code=CODE([^A-Za-z0-9._-]|$)'}, run over a captured log: to assert that it finds that
 * user's lines and no one else's.
 */
public final class SupportCodeSearch {

    private SupportCodeSearch() {
    }

    /**
     * @param log the captured log
     * @param supportCode the code the user reports
     * @return the lines the documented search finds, in the log's order
     */
    public static List<String> linesOf(String log, String supportCode) {
        Pattern search = Pattern.compile("support_code=" + Pattern.quote(supportCode) + "([^A-Za-z0-9._-]|$)",
                Pattern.CASE_INSENSITIVE);
        return log.lines().filter(line -> search.matcher(line).find()).toList();
    }
}
