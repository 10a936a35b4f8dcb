package io.github.errorpages.page;

import static io.github.errorpages.page.BuiltInPage.BROWSER_ACCEPT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.github.errorpages.ErrorPages;
import io.github.errorpages.ErrorRequest;
import io.github.errorpages.ErrorResponse;
import io.github.errorpages.FailureCause;
import io.github.errorpages.UpstreamFailure;
import io.github.errorpages.testing.StandardError;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.function.Supplier;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Applications replace built-in templates by dropping files into their own folders (DESIGN §4): lookup
 * {@code <status>} → {@code 5xx} → built-in, per format; a broken replacement never leaves a blank page.
 */
class ReplacementTemplatesTests {

    private static final String BUILT_IN_502_HEADING = "This page isn’t working right now";

    @TempDir
    Path folder;

    @Test
    void aStatusTemplateReplacesOnlyThatStatusInThatFormat() throws IOException {
        write("502.html.mustache", "<!DOCTYPE html><html lang=\"{{lang}}\"><title>{{title}}</title><h1>Custom {{status}}</h1>"
                + "<p>{{supportCode}}</p></html>");
        ErrorPages pages = pages(PageConfig.builder().templateDirectory(folder));

        ErrorResponse replaced = render(pages, 502, BROWSER_ACCEPT);
        assertThat(Jsoup.parse(replaced.bodyText()).select("h1").text()).isEqualTo("Custom 502");
        assertThat(replaced.bodyText()).contains(replaced.supportCode());
        assertThat(replaced.header("Content-Security-Policy")).as("no inline style or script, none allowed")
                .isEqualTo("default-src 'none'; img-src data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
        assertThat(Jsoup.parse(render(pages, 504, BROWSER_ACCEPT).bodyText()).select("h1").text())
                .isEqualTo("This page is taking too long to load");
        assertThat(render(pages, 502, "application/json").bodyText()).contains("\"status\": 502");
    }

    @Test
    void aSeriesTemplateReplacesEveryStatusWithoutItsOwnButNotMaintenance() throws IOException {
        write("5xx.html.mustache", "{{<layout.html.mustache}}{{$art}}<p class=\"custom-art\">{{status}}</p>{{/art}}"
                + "{{/layout.html.mustache}}");
        write("504.html.mustache", "<!DOCTYPE html><html lang=\"{{lang}}\"><title>t</title><h1>Own 504</h1></html>");
        ErrorPages pages = pages(PageConfig.builder().templateDirectory(folder));

        for (int status : new int[] {500, 502, 503, 507}) {
            String html = render(pages, status, BROWSER_ACCEPT).bodyText();
            assertThat(Jsoup.parse(html).select("p.custom-art").text()).isEqualTo(Integer.toString(status));
            assertThat(Jsoup.parse(html).select("h1")).hasSize(1); // the built-in layout around the custom art
        }
        assertThat(Jsoup.parse(render(pages, 504, BROWSER_ACCEPT).bodyText()).select("h1").text()).isEqualTo("Own 504");
        String maintenance = pages.renderMaintenance(new ErrorRequest("GET", "/", BROWSER_ACCEPT, "en", null), null)
                .bodyText();
        assertThat(Jsoup.parse(maintenance).select("p.custom-art")).isEmpty();
        assertThat(Jsoup.parse(maintenance).select("h1").text()).isEqualTo("We’re down for scheduled maintenance");
    }

    /**
     * Text and problem+json have no built-in maintenance page: the built-in 5xx renders it. The application's 5xx,
     * which replaces the built-in one for every other page, was skipped for it, so an API client got the application's
     * shape of problem details for every 5xx but maintenance.
     */
    @Test
    void aSeriesTemplateOfTextOrJsonRendersTheMaintenancePageToo() throws IOException {
        write("5xx.txt.mustache", "Acme {{status}}{{#maintenance}} maintenance{{/maintenance}}");
        write("5xx.json.mustache", "{\"acme\": \"{{status}}\", \"maintenance\": "
                + "{{#maintenance}}true{{/maintenance}}{{^maintenance}}false{{/maintenance}}}");
        ErrorPages pages = pages(PageConfig.builder().templateDirectory(folder).strictTemplatesEnabled(true));

        assertThat(pages.renderMaintenance(new ErrorRequest("GET", "/", "text/plain", "en", null), null).bodyText())
                .isEqualTo("Acme 503 maintenance");
        assertThat(pages.renderMaintenance(new ErrorRequest("GET", "/", "application/json", "en", null), null)
                .bodyText()).isEqualTo("{\"acme\": \"503\", \"maintenance\": true}");
        assertThat(render(pages, 502, "application/json").bodyText())
                .isEqualTo("{\"acme\": \"502\", \"maintenance\": false}");
    }

    /**
     * The application's 5xx of text or JSON that renders nothing for the maintenance page is tried with its model at
     * startup: strict mode refused it only as maintenance.txt, and a lenient start took it and reported it at the
     * first maintenance request. Lenient, the built-in 5xx renders the maintenance page, the application's the others.
     */
    @Test
    void aSeriesTemplateOfTextIsTriedWithTheMaintenanceModelToo() throws IOException {
        write("5xx.txt.mustache", "{{^maintenance}}Acme {{status}}{{/maintenance}}");

        assertThatIllegalStateException()
                .isThrownBy(() -> pages(PageConfig.builder().templateDirectory(folder).strictTemplatesEnabled(true)))
                .withMessageContaining("template 5xx.txt.mustache in " + folder.toAbsolutePath())
                .withMessageContaining("for the maintenance page");
        ErrorPages[] lenient = new ErrorPages[1];
        String log = StandardError.capture(() -> lenient[0] = pages(PageConfig.builder().templateDirectory(folder)));
        assertThat(log).contains("5xx.txt.mustache").contains("for the maintenance page");
        assertThat(lenient[0].renderMaintenance(new ErrorRequest("GET", "/", "text/plain", "en", null), null)
                .bodyText()).startsWith("503 Service Unavailable");
        assertThat(render(lenient[0], 502, "text/plain").bodyText()).isEqualTo("Acme 502");
        // Behind the application's own maintenance page it is a fallback only: no refusal, no line.
        write("maintenance.txt.mustache", "Acme is down for maintenance.");
        String quiet = StandardError.capture(() -> lenient[0] = pages(PageConfig.builder().templateDirectory(folder)
                .strictTemplatesEnabled(true)));
        assertThat(quiet).doesNotContain("for the maintenance page");
        assertThat(lenient[0].renderMaintenance(new ErrorRequest("GET", "/", "text/plain", "en", null), null)
                .bodyText()).isEqualTo("Acme is down for maintenance.");
    }

    @Test
    void aReplacedLayoutDressesEveryBuiltInPageTheApplicationDoesNotReplace() throws IOException {
        write("layout.html.mustache", "<!DOCTYPE html><html lang=\"{{lang}}\"><title>{{documentTitle}}</title>"
                + "<body class=\"acme\"><main>{{$art}}{{/art}}<h1>{{heading}}</h1><p>{{supportCode}}</p></main></body></html>");
        write("504.html.mustache", "<!DOCTYPE html><html lang=\"{{lang}}\"><title>t</title><h1>Own 504</h1></html>");
        ErrorPages pages = pages(PageConfig.builder().templateDirectory(folder));

        for (int status : new int[] {500, 502, 503, 507}) {
            Document html = Jsoup.parse(render(pages, status, BROWSER_ACCEPT).bodyText());
            assertThat(html.select("body.acme svg.art")).as("the built-in art in the application's layout").hasSize(1);
            assertThat(html.select("h1")).hasSize(1);
        }
        assertThat(Jsoup.parse(render(pages, 504, BROWSER_ACCEPT).bodyText()).select("h1").text()).isEqualTo("Own 504");
        assertThat(Jsoup.parse(pages.renderMaintenance(new ErrorRequest("GET", "/", BROWSER_ACCEPT, "en", null), null)
                .bodyText()).select("body.acme h1").text()).isEqualTo("We’re down for scheduled maintenance");
    }

    @Test
    void aBrokenLayoutIsReportedOnceAndTheBuiltInPagesStayAsTheyAre() throws IOException {
        write("layout.html.mustache", "<html>{{#open}}");
        ErrorPages[] built = new ErrorPages[1];

        String log = StandardError.capture(() -> built[0] = pages(PageConfig.builder().templateDirectory(folder)));

        assertThat(log.split("layout.html.mustache in ", -1)).as(log).hasSize(2);
        assertThat(Jsoup.parse(render(built[0], 502, BROWSER_ACCEPT).bodyText()).select("h1").text())
                .isEqualTo(BUILT_IN_502_HEADING);
    }

    /**
     * A layout that compiles but renders nothing fails every built-in page dressed in it (500, 5xx, 502, 503, 504,
     * maintenance): one line says so. It was one a page, six lines for one mistake.
     */
    @Test
    void aLayoutThatRendersNothingIsReportedOnce() throws IOException {
        write("layout.html.mustache", "  {{#nothing}}x{{/nothing}}\n");
        ErrorPages[] built = new ErrorPages[1];

        String log = StandardError.capture(() -> built[0] = pages(PageConfig.builder().templateDirectory(folder)));

        assertThat(log.split("does not compile or render", -1)).as(log).hasSize(2);
        assertThat(log).contains("in layout.html.mustache from " + folder.toAbsolutePath());
        for (int status : new int[] {500, 502, 503, 504, 507}) {
            assertThat(Jsoup.parse(render(built[0], status, BROWSER_ACCEPT).bodyText()).select("main h1")).hasSize(1);
        }
    }

    @Test
    void aBrokenSeriesTemplateBesideAReplacedLayoutIsReportedOnce() throws IOException {
        // DESIGN §4: reported once. The built-in 500, dressed in the application's layout, includes 5xx: it was
        // compiled with the application's broken 5xx and reported a second time, as 500.html.mustache.
        writeLayoutWithAPartialAndABrokenSeriesTemplate();

        String log = StandardError.capture(() -> pages(PageConfig.builder().templateDirectory(folder)));

        assertThat(log.split("does not compile or render", -1)).as(log).hasSize(2);
        assertThat(log).contains("template 5xx.html.mustache in " + folder.toAbsolutePath() + "/ does not compile")
                .doesNotContain("500.html.mustache in ");
    }

    @Test
    void builtInPagesStayInAReplacedLayoutWhenTheSeriesTemplateIsBroken() throws IOException {
        // A built-in page the application does not replace is dressed in its layout, and a page replaced by a
        // refused template is not replaced: the built-in 500 includes the built-in 5xx, not the application's
        // broken one, and 505-599 get the built-in 5xx, in the layout. A partial of the application's layout is
        // still read from the application's folder.
        writeLayoutWithAPartialAndABrokenSeriesTemplate();
        ErrorPages pages = pages(PageConfig.builder().templateDirectory(folder));

        String log = StandardError.capture(() -> {
            for (int status : new int[] {500, 502, 503, 505, 507, 599}) {
                Document html = Jsoup.parse(render(pages, status, BROWSER_ACCEPT).bodyText());
                assertThat(html.select("body.acme svg.art")).as(status + ": the built-in art in the application's layout")
                        .hasSize(1);
                assertThat(html.select("footer.acme-footer")).as(status + ": the layout's own partial").hasSize(1);
                assertThat(html.select("h1")).hasSize(1);
            }
        });
        assertThat(log).doesNotContain("failed to render");
    }

    @Test
    void classpathFolderWorksAndTheFileSystemWinsOverIt() throws IOException {
        ErrorPages classpathOnly = pages(PageConfig.builder().templateClasspathFolder("error-pages-test/templates"));
        assertThat(render(classpathOnly, 503, "application/json").bodyText()).contains("\"from\": \"classpath\"")
                .contains("\"status\": 503");
        assertThat(render(classpathOnly, 504, "text/plain").bodyText()).startsWith("classpath 504 template: ");

        write("504.txt.mustache", "file-system 504 template\n");
        ErrorPages both = pages(PageConfig.builder().templateClasspathFolder("error-pages-test/templates")
                .templateDirectory(folder));
        assertThat(render(both, 504, "text/plain").bodyText()).isEqualTo("file-system 504 template\n");
        assertThat(render(both, 503, "application/json").bodyText()).contains("\"from\": \"classpath\"");
    }

    @Test
    void userTemplatesEscapeEveryValueForTheirFormat() throws IOException {
        write("502.json.mustache", "{\"title\": \"{{title}}\", \"site\": \"{{siteName}}\"}");
        write("502.html.mustache", "<p title=\"{{siteName}}\">{{siteName}}</p>");
        ErrorPages pages = pages(PageConfig.builder().templateDirectory(folder)
                .branding(Branding.builder().siteName("Q\"uote's <b>&</b> \\ back").build()));

        assertThat(render(pages, 502, "application/json").bodyText())
                .isEqualTo("{\"title\": \"Page not available\", \"site\": \"Q\\\"uote\\u0027s \\u003cb\\u003e\\u0026\\u003c/b\\u003e \\\\ back\"}");
        assertThat(render(pages, 502, BROWSER_ACCEPT).bodyText())
                .isEqualTo("<p title=\"Q&quot;uote&#39;s &lt;b&gt;&amp;&lt;/b&gt; \\ back\">"
                        + "Q&quot;uote&#39;s &lt;b&gt;&amp;&lt;/b&gt; \\ back</p>");
    }

    /**
     * R38: a plain-text page is no markup, so a value it shows is written as it is: a site name or link with
     * {@code ' & < > = `} would read {@code Joe&#39;s} if the text escaper were HTML's. A value with only characters
     * HTML escapes ({@code =}, a backtick) passes through problem details unchanged too, as JSON needs nothing there.
     */
    @Test
    void aTextTemplateShowsEveryValueAsItIsAndJsonLeavesWhatOnlyHtmlEscapes() throws IOException {
        write("502.txt.mustache", "{{siteName}}|{{supportHref}}");
        write("502.json.mustache", "{\"url\": \"{{supportHref}}\"}");
        String siteName = "Joe's <b>&</b> = `x` \\ \"Caf\u00e9\"";
        ErrorPages pages = pages(PageConfig.builder().templateDirectory(folder).branding(Branding.builder()
                .siteName(siteName).supportUrl("https://help.example/?a=1&b=2").build()));

        assertThat(render(pages, 502, "text/plain").bodyText()).isEqualTo(siteName + "|https://help.example/?a=1&b=2");
        pages = pages(PageConfig.builder().templateDirectory(folder)
                .branding(Branding.builder().supportUrl("/help?topic=`502`").build()));
        assertThat(render(pages, 502, "application/json").bodyText()).isEqualTo("{\"url\": \"/help?topic=`502`\"}");
    }

    /**
     * A replacement template sees the model's keys and nothing else: no method or field of a value, so that a
     * template (written by whoever can write to the folder) cannot reach the class loader, the JVM's objects or a
     * value's other state through {@code {{title.class.classLoader}}} and the like. Each such name renders empty.
     */
    @Test
    void aTemplateReadsNoMethodOrFieldOfAValue() throws IOException {
        write("502.txt.mustache", "[{{title.length}}][{{title.bytes}}][{{title.class}}][{{title.class.classLoader}}]"
                + "[{{supportCode.hashCode}}][{{title.value}}][{{#title}}{{length}}{{empty}}{{/title}}][{{title}}]");
        ErrorPages pages = pages(PageConfig.builder().templateDirectory(folder));

        assertThat(render(pages, 502, "text/plain").bodyText()).isEqualTo("[][][][][][][][Page not available]");
    }

    @Test
    void aBrokenTemplateFallsBackToTheBuiltInPageAndIsReportedOnce() throws IOException {
        write("5xx.html.mustache", "<h1>{{#unclosed}}</h1>");
        ErrorPages[] built = new ErrorPages[1];

        String log = StandardError.capture(() -> built[0] = pages(PageConfig.builder().templateDirectory(folder)));
        ErrorPages pages = built[0];

        assertThat(log.split("5xx.html.mustache in ", -1)).as(log).hasSize(2);
        assertThat(log).contains("does not compile or render").contains("using the built-in template instead");
        assertThat(Jsoup.parse(render(pages, 502, BROWSER_ACCEPT).bodyText()).select("h1").text())
                .isEqualTo(BUILT_IN_502_HEADING);
    }

    @Test
    void unescapedValuesAndTemplatesOutsideTheFolderAreRefused() throws IOException {
        write("502.html.mustache", "<h1>{{{heading}}}</h1>");
        write("503.html.mustache", "<h1>{{&heading}}</h1>");
        write("504.html.mustache", "{{> ../../etc/passwd}}");
        ErrorPages pages = pages(PageConfig.builder().templateDirectory(folder));

        assertThat(Jsoup.parse(render(pages, 502, BROWSER_ACCEPT).bodyText()).select("main")).hasSize(1);
        assertThat(Jsoup.parse(render(pages, 503, BROWSER_ACCEPT).bodyText()).select("main")).hasSize(1);
        assertThat(Jsoup.parse(render(pages, 504, BROWSER_ACCEPT).bodyText()).select("main")).hasSize(1);
        assertThatIllegalStateException()
                .isThrownBy(() -> pages(PageConfig.builder().templateDirectory(folder).strictTemplatesEnabled(true)))
                .withMessageContaining("template 502.html.mustache in " + folder.toAbsolutePath())
                .withMessageContaining("templates.strict is on")
                .withMessageContaining("unescaped values");
    }

    /**
     * The rules for templates (docs/templates.md) say that changed delimiters and pragmas do not compile, as unescaped
     * values do not: a template that uses them is a broken one, replaced by the built-in page, and refused in strict
     * mode. With the delimiters changed, the template compiled and its page was sent.
     */
    @Test
    void changedDelimitersAndPragmasAreRefused() throws IOException {
        write("502.html.mustache", "<!DOCTYPE html><html lang=\"en\"><title>t</title>{{=<% %>=}}"
                + "<h1>Custom <%lang%></h1></html>");
        write("503.html.mustache", "<!DOCTYPE html><html lang=\"en\"><title>t</title>{{%IMPLICIT-ITERATOR}}"
                + "<h1>Custom {{lang}}</h1></html>");
        ErrorPages pages = pages(PageConfig.builder().templateDirectory(folder));

        for (int status : List.of(502, 503)) {
            Document page = Jsoup.parse(render(pages, status, BROWSER_ACCEPT).bodyText());
            assertThat(page.select("h1").text()).as("%d", status).doesNotContain("Custom");
            assertThat(page.select("main")).as("%d", status).hasSize(1);
        }
        assertThatIllegalStateException()
                .isThrownBy(() -> pages(PageConfig.builder().templateDirectory(folder).strictTemplatesEnabled(true)))
                .withMessageContaining("in " + folder.toAbsolutePath())
                .withMessageContaining("templates.strict is on");
    }

    /**
     * A partial named by a model value ({{>*key}}) was read and compiled at the first request that rendered it,
     * past strict mode (which tried one language), and from a file created while the application ran.
     */
    @Test
    void dynamicPartialsAreRefused() throws IOException {
        write("502.html.mustache", "<!DOCTYPE html><html lang=\"en\"><title>t</title><h1>{{>*lang}}</h1></html>");
        write("en.mustache", "words");
        ErrorPages pages = pages(PageConfig.builder().templateDirectory(folder));

        assertThat(Jsoup.parse(render(pages, 502, BROWSER_ACCEPT).bodyText()).select("h1").text())
                .isEqualTo(BUILT_IN_502_HEADING);
        assertThatIllegalStateException()
                .isThrownBy(() -> pages(PageConfig.builder().templateDirectory(folder).strictTemplatesEnabled(true)))
                .withMessageContaining("template 502.html.mustache in " + folder.toAbsolutePath())
                .withMessageContaining("dynamic partials ({{>*lang}}) are not allowed");
    }

    @Test
    void aTemplateThatFailsOnARealRequestFallsBackAndIsReportedOnce() throws IOException {
        // Renders at startup (the sample model knows since when the upstream fails) but nothing for a request
        // whose failure has no such time.
        write("502.html.mustache", "{{#hasSince}}<!DOCTYPE html><html lang=\"en\"><title>t</title><h1>Custom</h1>{{/hasSince}}");
        ErrorPages pages = pages(PageConfig.builder().templateDirectory(folder));

        String log = StandardError.capture(() -> {
            for (int i = 0; i < 3; i++) {
                assertThat(Jsoup.parse(render(pages, 502, BROWSER_ACCEPT).bodyText()).select("h1").text())
                        .isEqualTo(BUILT_IN_502_HEADING);
            }
        });
        assertThat(log.split("template 502.html.mustache from ", -1)).as(log).hasSize(2);
        assertThat(log).contains("failed to render").contains("Reported once");
    }

    /**
     * A misspelt variable renders as nothing: the page shipped without its support code, unreported even with
     * templates.strict. Strict, the startup fails naming the file, each name the model does not have (a variable, a
     * section, an inverted section, a dotted name by its first part, one in a block of the built-in layout) and the
     * known name closest to it; a name like none is named without a guess. The built-in layout's own names and the
     * implicit {@code {{.}}} are the model's.
     */
    @Test
    void aNameTheModelDoesNotHaveFailsAStrictStartupNamingTheFileTheNameAndTheClosestKnownOne() throws IOException {
        write("502.html.mustache", "<!DOCTYPE html><html lang=\"{{lang}}\"><title>{{title}}</title><h1>{{heading}}</h1>"
                + "<p>{{supportcode}}</p>{{#hasretryafter}}<p>{{retrySentence}}</p>{{/hasretryafter}}"
                + "{{^Maintenance}}<p>{{titel.length}}</p>{{/Maintenance}}<p>{{acmeHotline}}</p>"
                + "{{#statusPageUrl}}<a href=\"{{.}}\">{{checkStatus}}</a>{{/statusPageUrl}}</html>");
        write("503.html.mustache", "{{<layout.html.mustache}}{{$art}}<p class=\"art\">{{siteNmae}}</p>{{/art}}"
                + "{{/layout.html.mustache}}");

        assertThatIllegalStateException()
                .isThrownBy(() -> pages(PageConfig.builder().templateDirectory(folder).strictTemplatesEnabled(true)))
                .withMessageContaining("template 502.html.mustache in " + folder.toAbsolutePath())
                .withMessageContaining("templates.strict is on")
                .withMessageEndingWith("uses names the model does not have, which render as nothing "
                        + "(templates.strict is on): supportcode (did you mean supportCode?), hasretryafter (did you "
                        + "mean hasRetryAfter?), Maintenance (did you mean maintenance?), titel (did you mean title?), "
                        + "acmeHotline");
        write("502.html.mustache", "<!DOCTYPE html><html lang=\"{{lang}}\"><title>{{title}}</title><p>{{supportCode}}"
                + "</p>{{#statusPageUrl}}<a href=\"{{.}}\">{{checkStatus}}</a>{{/statusPageUrl}}</html>");
        assertThatIllegalStateException()
                .isThrownBy(() -> pages(PageConfig.builder().templateDirectory(folder).strictTemplatesEnabled(true)))
                .withMessageContaining("template 503.html.mustache in " + folder.toAbsolutePath())
                .withMessageEndingWith(": siteNmae (did you mean siteName?)");
        write("503.html.mustache", "{{<layout.html.mustache}}{{$art}}<p class=\"art\">{{siteName}}</p>{{/art}}"
                + "{{/layout.html.mustache}}");
        ErrorPages strict = pages(PageConfig.builder().templateDirectory(folder).strictTemplatesEnabled(true));
        ErrorResponse fixed = render(strict, 502, BROWSER_ACCEPT);
        assertThat(fixed.bodyText()).contains("<p>" + fixed.supportCode() + "</p>");
        assertThat(Jsoup.parse(render(strict, 503, BROWSER_ACCEPT).bodyText()).select("p.art")).hasSize(1);
    }

    /**
     * Lenient, a template with a name the model does not have is still used (it renders, only without that value),
     * and one WARN line names the file and its unknown names: one for the application's layout, one per page, none
     * per request.
     */
    @Test
    void aNameTheModelDoesNotHaveIsReportedOnceInALenientStartAndTheTemplateKept() throws IOException {
        write("502.html.mustache", "<!DOCTYPE html><html lang=\"{{lang}}\"><title>t</title><h1>Custom {{status}}</h1>"
                + "<p>[{{supportcode}}]</p><p>[{{supportCode}}]</p></html>");
        write("layout.html.mustache", "<!DOCTYPE html><html lang=\"{{lang}}\"><title>{{documentTitle}}</title>"
                + "<body class=\"acme\"><main>{{$art}}{{/art}}<h1>{{heading}}</h1><p>{{sitename}}</p></main></body></html>");
        ErrorPages[] built = new ErrorPages[1];

        String log = StandardError.capture(() -> built[0] = pages(PageConfig.builder().templateDirectory(folder)));
        String requests = StandardError.capture(() -> {
            for (int i = 0; i < 3; i++) {
                ErrorResponse response = render(built[0], 502, BROWSER_ACCEPT);
                assertThat(Jsoup.parse(response.bodyText()).select("h1").text()).isEqualTo("Custom 502");
                assertThat(response.bodyText()).contains("<p>[]</p><p>[" + response.supportCode() + "]</p>");
                assertThat(Jsoup.parse(render(built[0], 504, BROWSER_ACCEPT).bodyText()).select("body.acme")).hasSize(1);
            }
        });

        assertThat(log.split("uses names the model does not have", -1)).as(log).hasSize(3);
        assertThat(log).contains("template 502.html.mustache in " + folder.toAbsolutePath() + "/ uses names the model "
                + "does not have, which render as nothing: supportcode (did you mean supportCode?); using it all the same")
                .contains("template layout.html.mustache in " + folder.toAbsolutePath() + "/ uses names the model does "
                        + "not have, which render as nothing: sitename (did you mean siteName?); using it all the same")
                .contains("using template 502.html.mustache");
        assertThat(requests).doesNotContain("uses names");
    }

    /**
     * R52: a replacement page with {@code <meta http-equiv="refresh">} reloads or redirects itself, which no
     * Content-Security-Policy stops; it was used as written, strict mode too. It is a broken template: strict, the
     * startup fails naming the file and the rule, whatever the case, quotes and order of the attributes, a
     * {@code >} inside an earlier attribute's quoted value, white space around the value or a character reference in
     * it, and in the application's layout as in a page; lenient, one line and the built-in page.
     */
    @Test
    void aPageThatRefreshesItselfIsABrokenTemplate() throws IOException {
        for (String meta : List.of("<meta http-equiv=\"refresh\" content=\"5\">",
                "<META content='30;url=/' HTTP-EQUIV='Refresh'>", "<meta content=5 http-equiv = refresh>",
                "<meta content=\"0;url=/x?a>b\" http-equiv=\"refresh\">", "<Meta\nHttp-Equiv=\" REFRESH \"\ncontent=5>",
                "<meta http-equiv=\"&#82;efresh\" content=\"5\">", "<meta http-equiv=\"&#x72;efresh\" content=\"5\">",
                "<meta/http-equiv=refresh content=5>", "<noscript><meta http-equiv=refresh content=0></noscript>")) {
            write("502.html.mustache", "<!DOCTYPE html><html lang=\"{{lang}}\"><head>" + meta + "<title>t</title></head>"
                    + "<h1>Custom</h1></html>");
            assertThatIllegalStateException()
                    .as(meta)
                    .isThrownBy(() -> pages(PageConfig.builder().templateDirectory(folder).strictTemplatesEnabled(true)))
                    .withMessageContaining("template 502.html.mustache in " + folder.toAbsolutePath())
                    .withMessageContaining("templates.strict is on")
                    .withMessageContaining("the page has a <meta http-equiv=\"refresh\">, which reloads or redirects "
                            + "it with no say of the user's (R52, WCAG 2.2 SC 2.2.1)");
        }
        ErrorPages[] built = new ErrorPages[1];
        String log = StandardError.capture(() -> built[0] = pages(PageConfig.builder().templateDirectory(folder)));

        assertThat(log.split("502.html.mustache in ", -1)).as(log).hasSize(2);
        assertThat(log).contains("R52").contains("using the built-in template instead");
        String html = render(built[0], 502, BROWSER_ACCEPT).bodyText();
        assertThat(Jsoup.parse(html).select("h1").text()).isEqualTo(BUILT_IN_502_HEADING);
        assertThat(Jsoup.parse(html).select("meta[http-equiv]")).isEmpty();

        Files.delete(folder.resolve("502.html.mustache"));
        write("layout.html.mustache", "<!DOCTYPE html><html lang=\"{{lang}}\"><head><meta http-equiv=\"Refresh\" "
                + "content=\"10\"><title>{{documentTitle}}</title></head><body class=\"acme\"><main>{{$art}}{{/art}}"
                + "<h1>{{heading}}</h1></main></body></html>");
        assertThatIllegalStateException()
                .isThrownBy(() -> pages(PageConfig.builder().templateDirectory(folder).strictTemplatesEnabled(true)))
                .withMessageContaining("in layout.html.mustache from " + folder.toAbsolutePath())
                .withMessageContaining("R52");
    }

    /**
     * R52 is about a {@code <meta>} tag that refreshes the page, not about the words: a refresh commented out, or
     * {@code http-equiv=refresh} inside another attribute's value, refreshes nothing, and the page is used as
     * written, strict mode too. The check read the rendered text with a regular expression and failed a strict start
     * on both.
     */
    @Test
    void aRefreshInACommentOrInAnAttributesValueIsNoRefresh() throws IOException {
        for (String text : List.of("<!-- old: <meta http-equiv=\"refresh\" content=\"30\"> -->",
                "<meta name=\"description\" content=\"no http-equiv=refresh here\">",
                "<meta name='x' content='<meta http-equiv=refresh content=5>'>",
                "<meta http-equiv=\"content-language\" content=\"en\"><!---->http-equiv=refresh",
                "<meta http-equiv=\"refresh-rate\" content=\"5\">")) {
            write("502.html.mustache", "<!DOCTYPE html><html lang=\"{{lang}}\"><head>" + text + "<title>t</title></head>"
                    + "<h1>Custom</h1></html>");
            ErrorPages pages = pages(PageConfig.builder().templateDirectory(folder).strictTemplatesEnabled(true));

            String html = render(pages, 502, BROWSER_ACCEPT).bodyText();
            assertThat(Jsoup.parse(html).select("h1").text()).as(text).isEqualTo("Custom");
        }
    }

    /**
     * A refresh in a section the startup's sample model leaves out ({@code hasSince} is set there) comes with the
     * first response that opens it: that response, and every later one, gets the next template, and one line says so.
     */
    @Test
    void aPageThatRefreshesItselfOnlyOnARealRequestFallsBackAndIsReportedOnce() throws IOException {
        write("502.html.mustache", "<!DOCTYPE html><html lang=\"{{lang}}\"><head>{{^hasSince}}<meta http-equiv=\"refresh\" "
                + "content=\"5\">{{/hasSince}}<title>t</title></head><h1>Custom</h1></html>");
        ErrorPages pages = pages(PageConfig.builder().templateDirectory(folder).strictTemplatesEnabled(true));

        String log = StandardError.capture(() -> {
            for (int i = 0; i < 3; i++) {
                String html = render(pages, 502, BROWSER_ACCEPT).bodyText();
                assertThat(Jsoup.parse(html).select("h1").text()).isEqualTo(BUILT_IN_502_HEADING);
                assertThat(Jsoup.parse(html).select("meta[http-equiv]")).isEmpty();
            }
        });
        assertThat(log.split("template 502.html.mustache from ", -1)).as(log).hasSize(2);
        assertThat(log).contains("R52").contains("Reported once");
    }

    /**
     * R41, R42: a browser refuses, without a word on the page, what the page's Content-Security-Policy does not allow,
     * so a designer shipped a page whose stylesheet, logo or retry button never worked, strict mode too (the rules
     * for templates said nothing checks them). Strict, the start-up now fails naming the file and each finding, its
     * values cut short: a load from elsewhere (a stylesheet, an image, a script, a style sheet's {@code url(…)} or
     * {@code @import}), a {@code style} attribute, an event handler.
     */
    @Test
    void whatThePageContentSecurityPolicyRefusesFailsAStrictStartNamingTheFileAndEachFinding() throws IOException {
        String loads = "breaks the rules for templates (templates.strict is on): it loads from elsewhere, which the "
                + "page's Content-Security-Policy refuses: ";
        for (List<String> pageAndMessage : List.of(
                List.of("<link rel=\"stylesheet\" href=\"/static/site.css\">",
                        loads + "<link rel=\"stylesheet\" href=\"/static/site.css\">"),
                List.of("<img src=\"https://cdn.acme.example/logo.png\" alt=\"Acme\">",
                        loads + "<img src=\"https://cdn.acme.example/logo.png\">"),
                List.of("<script src=\"/static/retry.js\"></script>", loads + "<script src=\"/static/retry.js\">"),
                List.of("<style>body{background:url(/static/bg.png)}</style>",
                        loads + "url(/static/bg.png) in <style>"),
                List.of("<style>@import \"/static/theme.css\";</style>",
                        loads + "@import \"/static/theme.css\" in <style>"),
                List.of("<img src=\"/static/" + "a".repeat(100) + ".png\">",
                        loads + "<img src=\"/static/" + "a".repeat(52) + "...\">"),
                List.of("<h1 style=\"color:red\">Down</h1>", "breaks the rules for templates (templates.strict is on): "
                        + "it has style attributes, which the policy ignores: <h1 style=\"color:red\">"),
                List.of("<button onclick=\"location.reload()\">Retry</button>", "breaks the rules for templates "
                        + "(templates.strict is on): it has event-handler attributes, whose scripts the policy never "
                        + "runs: <button onclick=\"location.reload()\">"))) {
            write("502.html.mustache", "<!DOCTYPE html><html lang=\"{{lang}}\"><head><title>t</title>"
                    + "<link rel=\"icon\" href=\"data:,\">" + pageAndMessage.get(0) + "</head><h1>Custom</h1></html>");

            assertThatIllegalStateException()
                    .as(pageAndMessage.get(0))
                    .isThrownBy(() -> pages(PageConfig.builder().templateDirectory(folder)
                            .strictTemplatesEnabled(true)))
                    .withMessage("Invalid error-pages configuration: template 502.html.mustache in "
                            + folder.toAbsolutePath() + "/ " + pageAndMessage.get(1));
        }
        write("502.html.mustache", "<!DOCTYPE html><html lang=\"{{lang}}\"><head><title>t</title>"
                + "<link rel=\"stylesheet\" href=\"/static/site.css\"></head><h1 style=\"color:red\">Custom</h1>"
                + "<button onclick=\"location.reload()\">Retry</button></html>");
        assertThatIllegalStateException()
                .isThrownBy(() -> pages(PageConfig.builder().templateDirectory(folder).strictTemplatesEnabled(true)))
                .withMessageEndingWith("(templates.strict is on): it loads from elsewhere, which the page's "
                        + "Content-Security-Policy refuses: <link rel=\"stylesheet\" href=\"/static/site.css\">; it "
                        + "has style attributes, which the policy ignores: <h1 style=\"color:red\">; it has "
                        + "event-handler attributes, whose scripts the policy never runs: "
                        + "<button onclick=\"location.reload()\">; it has no <link rel=\"icon\">, so a browser asks "
                        + "the site for /favicon.ico (keep <link rel=\"icon\" href=\"data:,\">)");
    }

    /**
     * Lenient, a page that breaks the rules is used as it is, as the browser will show it, and one WARN line per
     * template names what it breaks, the missing icon too; nothing is checked or logged on a request (the check runs
     * once, on the page the sample model renders at start-up).
     */
    @Test
    void whatThePolicyRefusesIsReportedOnceInALenientStartAndThePageServedAsItIs() throws IOException {
        write("502.html.mustache", "<!DOCTYPE html><html lang=\"{{lang}}\"><head><title>t</title>"
                + "<link rel=\"stylesheet\" href=\"/static/site.css\"></head><h1 style=\"color:red\">Custom</h1>"
                + "<p>{{supportCode}}</p></html>");
        ErrorPages[] built = new ErrorPages[1];

        String log = StandardError.capture(() -> built[0] = pages(PageConfig.builder().templateDirectory(folder)));
        String requests = StandardError.capture(() -> {
            for (int i = 0; i < 3; i++) {
                ErrorResponse response = render(built[0], 502, BROWSER_ACCEPT);
                assertThat(response.bodyText()).contains("<link rel=\"stylesheet\" href=\"/static/site.css\">",
                        "<h1 style=\"color:red\">Custom</h1>", "<p>" + response.supportCode() + "</p>");
                assertThat(response.header("Content-Security-Policy")).startsWith("default-src 'none';")
                        .doesNotContain("unsafe");
            }
        });

        assertThat(log.split("breaks the rules for templates", -1)).as(log).hasSize(2);
        assertThat(log).contains("WARN").contains("template 502.html.mustache in " + folder.toAbsolutePath()
                + "/ breaks the rules for templates: it loads from elsewhere, which the page's Content-Security-Policy "
                + "refuses: <link rel=\"stylesheet\" href=\"/static/site.css\">; it has style attributes, which the "
                + "policy ignores: <h1 style=\"color:red\">; it has no <link rel=\"icon\">, so a browser asks the site "
                + "for /favicon.ico (keep <link rel=\"icon\" href=\"data:,\">); using it as it is")
                .contains("using template 502.html.mustache");
        assertThat(requests).doesNotContain("breaks the rules");
    }

    /**
     * Without the empty icon a browser asks the site for {@code /favicon.ico}, one more call to the failing upstream
     * per page view; nothing on the page is refused, so a strict start goes on, with one line that says so.
     */
    @Test
    void aMissingIconIsReportedButFailsNoStrictStart() throws IOException {
        write("502.html.mustache", "<!DOCTYPE html><html lang=\"{{lang}}\"><title>t</title><h1>Custom</h1>"
                + "<!-- <link rel=\"icon\" href=\"data:,\"> --></html>");
        ErrorPages[] built = new ErrorPages[1];

        String log = StandardError.capture(() -> built[0] = pages(PageConfig.builder().templateDirectory(folder)
                .strictTemplatesEnabled(true)));

        assertThat(log.split("breaks the rules for templates", -1)).as(log).hasSize(2);
        assertThat(log).contains("template 502.html.mustache in " + folder.toAbsolutePath() + "/ breaks the rules for "
                + "templates: it has no <link rel=\"icon\">, so a browser asks the site for /favicon.ico (keep "
                + "<link rel=\"icon\" href=\"data:,\">); using it as it is");
        assertThat(Jsoup.parse(render(built[0], 502, BROWSER_ACCEPT).bodyText()).select("h1").text())
                .isEqualTo("Custom");
    }

    /**
     * A load commented out, or named in another attribute's value or a script's text, loads nothing, and a
     * {@code data:} image loads from nowhere: a strict start goes on without a line. So do several inline styles and
     * scripts, each of which the policy allows by its hash.
     */
    @Test
    void aFindingInACommentAValueOrAScriptAndADataImageAreNone() throws IOException {
        write("502.html.mustache", "<!DOCTYPE html><html lang=\"{{lang}}\"><head><title>t</title>"
                + "<link rel=\"icon\" href=\"data:,\"><!-- <link rel=\"stylesheet\" href=\"/static/site.css\"> -->"
                + "<meta name=\"description\" content=\"no <img src=/x.png style=x> here\">"
                + "<style>main{margin:0}</style>"
                + "<style>h1{background:url(data:image/png;base64,AA==)}</style></head><main><h1>Custom</h1>"
                + "<img src=\"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E\" alt=\"\"></main>"
                + "<script>document.body.dataset.img = '<img src=\"/x.png\">';</script><script>1</script></html>");
        ErrorPages[] built = new ErrorPages[1];

        String log = StandardError.capture(() -> built[0] = pages(PageConfig.builder().templateDirectory(folder)
                .strictTemplatesEnabled(true)));

        assertThat(log).doesNotContain("breaks the rules").contains("using template 502.html.mustache");
        ErrorResponse response = render(built[0], 502, BROWSER_ACCEPT);
        assertThat(Jsoup.parse(response.bodyText()).select("h1").text()).isEqualTo("Custom");
        assertThat(response.header("Content-Security-Policy").split("'sha256-", -1)).as("two styles and two scripts")
                .hasSize(5);
    }

    /**
     * The application's layout dresses every built-in page it does not replace: what it breaks is reported once, as
     * the layout's (not once per page dressed in it), and fails a strict start naming it.
     */
    @Test
    void aReplacedLayoutThatBreaksTheRulesIsReportedOnceAsTheLayout() throws IOException {
        write("layout.html.mustache", "<!DOCTYPE html><html lang=\"{{lang}}\"><head><title>{{documentTitle}}</title>"
                + "<link rel=\"icon\" href=\"data:,\">"
                + "<link rel=\"stylesheet\" href=\"https://cdn.acme.example/brand.css\">"
                + "</head><body class=\"acme\"><main>{{$art}}{{/art}}<h1>{{heading}}</h1></main></body></html>");

        assertThatIllegalStateException()
                .isThrownBy(() -> pages(PageConfig.builder().templateDirectory(folder).strictTemplatesEnabled(true)))
                .withMessage("Invalid error-pages configuration: template layout.html.mustache in "
                        + folder.toAbsolutePath() + "/ breaks the rules for templates (templates.strict is on): it "
                        + "loads from elsewhere, which the page's Content-Security-Policy refuses: <link "
                        + "rel=\"stylesheet\" href=\"https://cdn.acme.example/brand.css\">");
        ErrorPages[] built = new ErrorPages[1];
        String log = StandardError.capture(() -> built[0] = pages(PageConfig.builder().templateDirectory(folder)));

        assertThat(log.split("breaks the rules for templates", -1)).as(log).hasSize(2);
        assertThat(log).contains("template layout.html.mustache in " + folder.toAbsolutePath() + "/ breaks the rules");
        for (int status : new int[] {500, 502, 503, 504}) {
            Document html = Jsoup.parse(render(built[0], status, BROWSER_ACCEPT).bodyText());
            assertThat(html.select("body.acme")).as("%d", status).hasSize(1);
            assertThat(html.select("link[rel=stylesheet]")).as("%d", status).hasSize(1);
        }
    }

    /**
     * What a {@code <template>} holds loads once a script clones it (docs/templates.md, R41): a {@code <script>} in a
     * section the sample model leaves closed ({@code {{^hasRetryAfter}}}, open on a 500, 501 or 505) runs on the pages
     * that open it, its hash in their policy, and the template's image is refused there. The rule looked for a script
     * on the one page the sample renders only, found none, and dropped the template's findings: no line, and a strict
     * start passed. Now a script anywhere in the template's text, a partial's or the layout's, keeps them.
     */
    @Test
    void whatATemplateHoldsIsReportedWhenAScriptInAnySectionMayCloneIt() throws IOException {
        String template = "<template id=\"t\"><img src=\"https://cdn.example/x.png\"></template><h1>x</h1>";
        write("5xx.html.mustache", "<!DOCTYPE html><html lang=\"{{lang}}\"><title>t</title><link rel=\"icon\" "
                + "href=\"data:,\">" + template + "{{^hasRetryAfter}}<script>document.body.append("
                + "t.content.cloneNode(true))</script>{{/hasRetryAfter}}");
        write("502.html.mustache", "<!DOCTYPE html><html lang=\"{{lang}}\"><title>t</title><link rel=\"icon\" "
                + "href=\"data:,\">" + template + "{{^hasSince}}{{>clone.html.mustache}}{{/hasSince}}");
        write("clone.html.mustache", "<SCRIPT>document.body.append(t.content.cloneNode(true))</SCRIPT>");
        write("504.html.mustache", "<!DOCTYPE html><html lang=\"{{lang}}\"><title>t</title><link rel=\"icon\" "
                + "href=\"data:,\">" + template);
        ErrorPages[] built = new ErrorPages[1];

        String log = StandardError.capture(() -> built[0] = pages(PageConfig.builder().templateDirectory(folder)));

        assertThat(render(built[0], 500, BROWSER_ACCEPT).bodyText()).as("the script is on the page")
                .contains("<script>");
        for (String file : List.of("5xx", "502")) {
            assertThat(log).contains("template " + file + ".html.mustache in " + folder.toAbsolutePath() + "/ breaks "
                    + "the rules for templates: it loads from elsewhere, which the page's Content-Security-Policy "
                    + "refuses: <img src=\"https://cdn.example/x.png\">; using it as it is");
        }
        assertThat(log).as("no script: nothing clones it").doesNotContain("template 504.html.mustache in "
                + folder.toAbsolutePath() + "/ breaks");
        assertThatIllegalStateException()
                .isThrownBy(() -> pages(PageConfig.builder().templateDirectory(folder).strictTemplatesEnabled(true)))
                .withMessageContaining("breaks the rules for templates (templates.strict is on): it loads from "
                        + "elsewhere, which the page's Content-Security-Policy refuses: <img "
                        + "src=\"https://cdn.example/x.png\">");
    }

    /**
     * A page of the application's that extends its layout ({@code {{<layout.html.mustache}}}) renders what the layout
     * holds: a finding in the layout was reported once more for each such page, under the page's name, so that one
     * stylesheet link in {@code layout.html.mustache} made as many lines, none naming the file to fix. Now each
     * finding is reported once, named as the layout's, and a page is reported for what it adds itself; strict, the
     * start-up fails naming the layout. A page that does not extend the layout is reported for all it has, the same
     * link as the layout's too.
     */
    @Test
    void aFindingOfTheLayoutIsReportedOnceAsTheLayoutsNotUnderEachPageThatExtendsIt() throws IOException {
        write("layout.html.mustache", "<!DOCTYPE html><html lang=\"{{lang}}\"><head><title>{{documentTitle}}</title>"
                + "<link rel=\"stylesheet\" href=\"https://cdn.acme.example/brand.css\">"
                + "</head><body class=\"acme\"><main>{{$art}}{{/art}}<h1>{{heading}}</h1></main></body></html>");
        for (String page : List.of("500", "502", "504", "maintenance")) {
            write(page + ".html.mustache", "{{<layout.html.mustache}}{{$art}}<p class=\"art\">{{status}}</p>{{/art}}"
                    + "{{/layout.html.mustache}}");
        }
        write("503.html.mustache", "{{<layout.html.mustache}}{{$art}}<img src=\"/static/503.png\" alt=\"\">{{/art}}"
                + "{{/layout.html.mustache}}");
        write("5xx.html.mustache", "<!DOCTYPE html><html lang=\"{{lang}}\"><title>t</title><link rel=\"icon\" "
                + "href=\"data:,\"><link rel=\"stylesheet\" href=\"https://cdn.acme.example/brand.css\"><h1>x</h1>");
        ErrorPages[] built = new ErrorPages[1];

        String log = StandardError.capture(() -> built[0] = pages(PageConfig.builder().templateDirectory(folder)));

        assertThat(log.split("breaks the rules for templates", -1)).as(log).hasSize(4);
        assertThat(log.split("brand.css", -1)).as(log).hasSize(3);
        assertThat(log.split("no <link rel=\"icon\">", -1)).as(log).hasSize(2);
        assertThat(log).contains("template layout.html.mustache in " + folder.toAbsolutePath() + "/ breaks the rules "
                + "for templates: it loads from elsewhere, which the page's Content-Security-Policy refuses: <link "
                + "rel=\"stylesheet\" href=\"https://cdn.acme.example/brand.css\">; it has no <link rel=\"icon\">")
                .contains("template 503.html.mustache in " + folder.toAbsolutePath() + "/ breaks the rules for "
                        + "templates: it loads from elsewhere, which the page's Content-Security-Policy refuses: <img "
                        + "src=\"/static/503.png\">; using it as it is")
                .contains("template 5xx.html.mustache in " + folder.toAbsolutePath() + "/ breaks the rules for "
                        + "templates: it loads from elsewhere, which the page's Content-Security-Policy refuses: <link "
                        + "rel=\"stylesheet\" href=\"https://cdn.acme.example/brand.css\">; using it as it is");
        assertThat(Jsoup.parse(render(built[0], 502, BROWSER_ACCEPT).bodyText()).select("link[rel=stylesheet]"))
                .hasSize(1);
        assertThatIllegalStateException()
                .isThrownBy(() -> pages(PageConfig.builder().templateDirectory(folder).strictTemplatesEnabled(true)))
                .withMessage("Invalid error-pages configuration: template layout.html.mustache in "
                        + folder.toAbsolutePath() + "/ breaks the rules for templates (templates.strict is on): it "
                        + "loads from elsewhere, which the page's Content-Security-Policy refuses: <link "
                        + "rel=\"stylesheet\" href=\"https://cdn.acme.example/brand.css\">; it has no <link "
                        + "rel=\"icon\">, so a browser asks the site for /favicon.ico (keep <link rel=\"icon\" "
                        + "href=\"data:,\">)");
    }

    /**
     * R32: a problem+json template whose body is no JSON object (a comma too many) is a broken template. It was
     * taken, and every API client got {@code application/problem+json} it could not parse, strict mode included.
     */
    @Test
    void aJsonTemplateThatRendersNoJsonObjectIsABrokenTemplate() throws IOException {
        write("502.json.mustache", "{\"status\": {{status}}, \"title\": \"{{title}}\",}");
        ErrorPages[] built = new ErrorPages[1];

        String log = StandardError.capture(() -> built[0] = pages(PageConfig.builder().templateDirectory(folder)));

        assertThat(log.split("502.json.mustache in ", -1)).as(log).hasSize(2);
        assertThat(log).contains("rendered no JSON object").contains("using the built-in template instead");
        ErrorResponse response = render(built[0], 502, "application/json");
        assertThat(response.header("Content-Type")).isEqualTo("application/problem+json");
        assertThat(response.bodyText()).as("the built-in page").contains("\"status\": 502")
                .contains("\"support_code\": \"" + response.supportCode() + "\"").doesNotContain(",}");
        assertThatIllegalStateException()
                .isThrownBy(() -> pages(PageConfig.builder().templateDirectory(folder).strictTemplatesEnabled(true)))
                .withMessageContaining("template 502.json.mustache in " + folder.toAbsolutePath())
                .withMessageContaining("rendered no JSON object");
    }

    /**
     * A problem+json template that is a JSON object for the sample model (which has a {@code Retry-After}) but not
     * for a response without one falls back to the built-in page on such a response, reported once.
     */
    @Test
    void aJsonTemplateThatRendersNoJsonObjectOnARealRequestFallsBackAndIsReportedOnce() throws IOException {
        write("5xx.json.mustache", "{\"status\": {{status}}{{#hasRetryAfter}}, \"retry_after\": {{retryAfterSeconds}}"
                + "{{/hasRetryAfter}}{{^hasRetryAfter}},{{/hasRetryAfter}}}");
        ErrorPages pages = pages(PageConfig.builder().templateDirectory(folder).strictTemplatesEnabled(true));

        String log = StandardError.capture(() -> {
            for (int i = 0; i < 3; i++) {
                assertThat(render(pages, 502, "application/json").bodyText())
                        .isEqualTo("{\"status\": 502, \"retry_after\": 10}");
                ErrorResponse gateways = render(pages, 500, "application/json");
                assertThat(gateways.status()).isEqualTo(500);
                assertThat(gateways.header("Retry-After")).isNull();
                assertThat(gateways.bodyText()).as("the built-in page").contains("\"status\": 500")
                        .contains("\"support_code\": \"" + gateways.supportCode() + "\"");
            }
        });

        assertThat(log.split("template 5xx.json.mustache from ", -1)).as(log).hasSize(2);
        assertThat(log).contains("rendered no JSON object").contains("Reported once");
    }

    /**
     * RFC 9457 §3.1.2: a problem+json body's {@code status} must be the response's. A {@code 5xx} that hard-codes
     * {@code "status": 503} sent it in the body of every 502 and 504, and a client that reads the body's status acted
     * on the wrong one. Now it answers only where it is right; elsewhere the built-in page does, reported once.
     * Lenient, its startup try with the 500 sample lets it be: it serves many statuses, and is right for one.
     */
    @Test
    void aSeriesJsonTemplateWhoseStatusContradictsTheResponseGivesWayToTheBuiltInPage() throws IOException {
        write("5xx.json.mustache", "{\"type\": \"about:blank\", \"title\": \"{{statusText}}\", \"status\": 503}");
        ErrorPages[] built = new ErrorPages[1];
        String startup = StandardError.capture(() -> built[0] = pages(PageConfig.builder().templateDirectory(folder)));
        ErrorPages pages = built[0];

        String log = StandardError.capture(() -> {
            for (int i = 0; i < 3; i++) {
                for (int status : new int[] {502, 504}) {
                    ErrorResponse response = render(pages, status, "application/json");
                    assertThat(response.status()).isEqualTo(status);
                    assertThat(response.header("Content-Type")).isEqualTo("application/problem+json");
                    assertThat(response.bodyText()).as("the built-in page").contains("\"status\": " + status)
                            .contains("\"support_code\": \"" + response.supportCode() + "\"")
                            .doesNotContain("\"status\": 503");
                }
                assertThat(render(pages, 503, "application/json").bodyText())
                        .isEqualTo("{\"type\": \"about:blank\", \"title\": \"Service Unavailable\", \"status\": 503}");
            }
        });

        assertThat(startup).as(startup).doesNotContain("does not compile or render");
        assertThat(log.split("template 5xx.json.mustache from ", -1)).as(log).hasSize(2);
        assertThat(log).contains("the template rendered \"status\": 503, not the response's 502")
                .contains("Reported once");
    }

    /**
     * Strict, the {@code 5xx} is held to its startup sample's status, which is 500 (the first page it serves): a
     * hard-coded 503 fails the start-up naming the file. A {@code status} nested in another member is that member's,
     * not the problem's.
     */
    @Test
    void aSeriesJsonTemplateWhoseStatusContradictsTheSampleFailsAStrictStartup() throws IOException {
        write("5xx.json.mustache", "{\"title\": \"{{statusText}}\", \"status\": 503}");

        assertThatIllegalStateException()
                .isThrownBy(() -> pages(PageConfig.builder().templateDirectory(folder).strictTemplatesEnabled(true)))
                .withMessageContaining("template 5xx.json.mustache in " + folder.toAbsolutePath())
                .withMessageContaining("the template rendered \"status\": 503, not the response's 500");

        write("5xx.json.mustache", "{\"status\": {{status}}, \"upstream\": {\"status\": 503, \"items\": "
                + "[{\"status\": 1}]}}");
        ErrorPages pages = pages(PageConfig.builder().templateDirectory(folder).strictTemplatesEnabled(true));
        assertThat(render(pages, 502, "application/json").bodyText())
                .isEqualTo("{\"status\": 502, \"upstream\": {\"status\": 503, \"items\": [{\"status\": 1}]}}");
    }

    /**
     * RFC 9457 §3.1.2: {@code status} is a JSON number. A page's own template that writes it as a string serves only
     * that status, so its startup try refuses it, lenient or strict, as a template that renders no JSON object.
     */
    @Test
    void aJsonTemplateWhoseStatusIsAStringIsABrokenTemplate() throws IOException {
        write("502.json.mustache", "{\"title\": \"{{statusText}}\", \"status\": \"{{status}}\"}");
        ErrorPages[] built = new ErrorPages[1];

        String log = StandardError.capture(() -> built[0] = pages(PageConfig.builder().templateDirectory(folder)));

        assertThat(log.split("502.json.mustache in ", -1)).as(log).hasSize(2);
        assertThat(log).contains("the template rendered \"status\": \"502\", not the response's 502")
                .contains("using the built-in template instead");
        assertThat(render(built[0], 502, "application/json").bodyText()).as("the built-in page")
                .contains("\"status\": 502,").contains("\"support_code\"");
        assertThatIllegalStateException()
                .isThrownBy(() -> pages(PageConfig.builder().templateDirectory(folder).strictTemplatesEnabled(true)))
                .withMessageContaining("template 502.json.mustache in " + folder.toAbsolutePath())
                .withMessageContaining("the template rendered \"status\": \"502\"");
    }

    /**
     * A replaced layout that fails on a real request fails every built-in page dressed in it: one line says so, as at
     * startup, not one a page (each said "Reported once", one for 502, 504 and 500 alike).
     */
    @Test
    void aLayoutThatFailsOnARealRequestIsReportedOnceForEveryPageDressedInIt() throws IOException {
        write("layout.html.mustache", "{{#hasSince}}<!DOCTYPE html><html lang=\"en\"><title>t</title>{{$art}}{{/art}}"
                + "<h1>{{heading}}</h1></html>{{/hasSince}}");
        ErrorPages pages = pages(PageConfig.builder().templateDirectory(folder));

        String log = StandardError.capture(() -> {
            for (int status : new int[] {502, 504, 500, 503, 502}) {
                assertThat(Jsoup.parse(render(pages, status, BROWSER_ACCEPT).bodyText()).select("main")).hasSize(1);
            }
        });

        assertThat(log.split("failed to render", -1)).as(log).hasSize(2);
        assertThat(log).contains("in layout.html.mustache from ").contains("Reported once");
    }

    /**
     * Sections nested deeper than any stack holds: mustache compiles and renders them recursively, and the
     * StackOverflowError went past every fallback, out of the build (the application did not start, no line named
     * the file). It is a broken template like another: reported once, the built-in page used; strict mode names it.
     */
    @Test
    void aTemplateNestedDeeperThanTheStackIsABrokenTemplate() throws IOException {
        write("5xx.html.mustache", nestedSections(50_000));
        ErrorPages[] built = new ErrorPages[1];

        String log = StandardError.capture(() -> built[0] = pages(PageConfig.builder().templateDirectory(folder)));

        assertThat(log.split("5xx.html.mustache in ", -1)).as(log).hasSize(2);
        assertThat(log).contains("StackOverflowError").contains("using the built-in template instead");
        assertThat(Jsoup.parse(render(built[0], 502, BROWSER_ACCEPT).bodyText()).select("h1").text())
                .isEqualTo(BUILT_IN_502_HEADING);
        assertThatIllegalStateException()
                .isThrownBy(() -> pages(PageConfig.builder().templateDirectory(folder).strictTemplatesEnabled(true)))
                .withMessageContaining("template 5xx.html.mustache in " + folder.toAbsolutePath())
                .withMessageContaining("StackOverflowError");
    }

    /**
     * Nested deep enough to overflow a small request thread's stack but not the one that built the pages: the
     * request still gets the built-in page. The StackOverflowError went to the container instead (no page at all).
     */
    @Test
    void aTemplateThatOverflowsARequestThreadsStackFallsBackToTheBuiltInPage() throws Exception {
        write("5xx.html.mustache", nestedSections(10_000));
        ErrorPages[] built = new ErrorPages[1];
        onThreadWithStack(256L << 20, () -> built[0] = pages(PageConfig.builder().templateDirectory(folder)));
        String[] heading = new String[1];

        String log = StandardError.capture(() -> onThreadWithStack(256L << 10,
                () -> heading[0] = Jsoup.parse(render(built[0], 502, BROWSER_ACCEPT).bodyText()).select("h1").text()));

        assertThat(heading[0]).as(log).isEqualTo(BUILT_IN_502_HEADING);
        // The StackOverflowError itself, or on JDK 25 mustache's exception for it (which names no cause).
        assertThat(log).contains("template 5xx.html.mustache from ").contains("failed to render");
    }

    /**
     * Which template a page's shape keeps must not depend on which thread rendered it first: the built-in page a
     * small stack fell back to was kept for the shape, and every later response got it, threads whose stack holds the
     * application's template included (one overflow decided the page until a restart). Once the application's page
     * is kept, a small stack copies it too.
     */
    @Test
    void aPageThatOneThreadsStackCouldNotRenderIsNotKeptForTheOthers() throws Exception {
        write("5xx.html.mustache", "{{#status}}".repeat(10_000) + "<h1 class=\"application\">{{heading}}</h1>"
                + "{{/status}}".repeat(10_000));
        ErrorPages[] built = new ErrorPages[1];
        onThreadWithStack(256L << 20, () -> built[0] = pages(PageConfig.builder().templateDirectory(folder)));
        String[] small = new String[2];
        String[] large = new String[1];

        StandardError.capture(() -> onThreadWithStack(256L << 10, () -> small[0] = render(built[0], 502,
                BROWSER_ACCEPT).bodyText()));
        onThreadWithStack(256L << 20, () -> large[0] = render(built[0], 502, BROWSER_ACCEPT).bodyText());
        StandardError.capture(() -> onThreadWithStack(256L << 10, () -> small[1] = render(built[0], 502,
                BROWSER_ACCEPT).bodyText()));

        assertThat(Jsoup.parse(small[0]).select("h1.application")).as("the small stack's fallback").isEmpty();
        assertThat(Jsoup.parse(large[0]).select("h1.application")).as("the application's page").hasSize(1);
        assertThat(Jsoup.parse(small[1]).select("h1.application")).as("the kept shape, copied without recursion")
                .hasSize(1);
    }

    /**
     * A page with a per-response value in its style sheet has no shape and is rendered in full on every response.
     * When such a template overflows a small request thread's stack after a large one rendered it, that request
     * still falls back to the built-in page, reported once; the StackOverflowError reached the container (no page).
     */
    @Test
    void aPageRenderedInFullEveryTimeFallsBackWhenASmallStackCannotRenderIt() throws Exception {
        write("5xx.html.mustache", "{{#status}}".repeat(10_000) + "<!DOCTYPE html><html lang=\"en\"><title>t</title>"
                + "<style>/* {{supportCode}} */</style><h1 class=\"application\">{{heading}}</h1></html>"
                + "{{/status}}".repeat(10_000));
        ErrorPages[] built = new ErrorPages[1];
        onThreadWithStack(256L << 20, () -> built[0] = pages(PageConfig.builder().templateDirectory(folder)));
        String[] large = new String[2];
        String[] small = new String[2];

        onThreadWithStack(256L << 20, () -> large[0] = render(built[0], 502, BROWSER_ACCEPT).bodyText());
        String log = StandardError.capture(() -> onThreadWithStack(256L << 10, () -> {
            small[0] = render(built[0], 502, BROWSER_ACCEPT).bodyText();
            small[1] = render(built[0], 502, BROWSER_ACCEPT).bodyText();
        }));
        onThreadWithStack(256L << 20, () -> large[1] = render(built[0], 502, BROWSER_ACCEPT).bodyText());

        assertThat(Jsoup.parse(large[0]).select("h1.application")).as("the application's page").hasSize(1);
        assertThat(large[1]).as("rendered in full: a support code of its own").isNotEqualTo(large[0]);
        assertThat(Jsoup.parse(large[1]).select("h1.application")).hasSize(1);
        for (String page : small) {
            assertThat(Jsoup.parse(page).select("h1").text()).as(log).isEqualTo(BUILT_IN_502_HEADING);
        }
        assertThat(log.split("template 5xx.html.mustache from ", -1)).as(log).hasSize(2);
        assertThat(log).contains("failed to render");
    }

    /** Sections {@code depth} deep, on a key as short as any (16 bytes a level): 50,000 stay under 1 MiB. */
    private static String nestedSections(int depth) {
        return "{{#dir}}".repeat(depth) + "<h1>{{heading}}</h1>" + "{{/dir}}".repeat(depth);
    }

    /** Runs the task on a new thread with that stack size, and waits for it; its failure is rethrown. */
    private static void onThreadWithStack(long stackSize, Runnable task) {
        Throwable[] failure = new Throwable[1];
        Thread thread = new Thread(null, () -> {
            try {
                task.run();
            } catch (Throwable t) {
                failure[0] = t;
            }
        }, "stack-" + stackSize, stackSize);
        thread.start();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        assertThat(failure[0]).as("the task's failure").isNull();
    }

    /**
     * A missing folder whose name holds a line feed (a file-system name may) is named on one line, in the refusal
     * and in the WARN line alike: it went raw into both, a log line of its own.
     */
    @Test
    void aMissingFolderIsNamedOnOneLine() {
        Path missing = folder.resolve("missing\nINFO started");
        String shown = folder.toAbsolutePath() + "/missing\\nINFO started";

        assertThatIllegalStateException()
                .isThrownBy(() -> pages(PageConfig.builder().templateDirectory(missing).strictTemplatesEnabled(true)))
                .withMessageEndingWith("(templates.strict is on), but was " + shown);
        assertThat(StandardError.capture(() -> pages(PageConfig.builder().templateDirectory(missing))))
                .contains("templates.directory " + shown + " does not exist").doesNotContain("\nINFO started");
    }

    /**
     * A file given as the template folder (a template's own path, {@code .../503.html.mustache}) is said to be a file,
     * in the WARN line of a start that goes on with the built-in pages: that line said it did not exist, and the
     * operator looked for a path that was there. templates.strict refuses it as a folder that must exist, as before.
     */
    @Test
    void aFileGivenAsTheTemplateFolderIsSaidToBeAFileNotMissing() throws IOException {
        Path file = Files.writeString(folder.resolve("503.html.mustache"), "<p>{{status}}</p>");
        String shown = file.toAbsolutePath().toString();

        assertThatIllegalStateException()
                .isThrownBy(() -> pages(PageConfig.builder().templateDirectory(file).strictTemplatesEnabled(true)))
                .withMessage("Invalid error-pages configuration: templates.directory must be an existing folder "
                        + "(templates.strict is on), but was " + shown);
        ErrorPages[] built = new ErrorPages[1];
        String log = StandardError.capture(() -> built[0] = pages(PageConfig.builder().templateDirectory(file)));
        assertThat(log).contains("error-pages: templates.directory " + shown + " is a file, not a folder; using the "
                + "built-in templates").doesNotContain("does not exist");
        assertThat(Jsoup.parse(render(built[0], 502, BROWSER_ACCEPT).bodyText()).select("h1").text())
                .isEqualTo(BUILT_IN_502_HEADING);
    }

    /**
     * An existing folder whose name holds a line feed is named on one line too: in the line each start logs for the
     * templates it uses, in a broken template's WARN and in templates.strict's refusal of it. They named it raw, as a
     * missing one was, a log line of its own.
     */
    @Test
    void anExistingFolderIsNamedOnOneLine() throws IOException {
        Path shop = Files.createDirectory(folder.resolve("shop\nINFO started"));
        String shown = folder.toAbsolutePath() + "/shop\\nINFO started/";
        Files.writeString(shop.resolve("503.txt.mustache"), "Acme {{status}}", StandardCharsets.UTF_8);

        assertThat(StandardError.capture(() -> pages(PageConfig.builder().templateDirectory(shop))))
                .contains("503.txt.mustache from " + shown).doesNotContain("\nINFO started");

        Files.writeString(shop.resolve("503.txt.mustache"), "{{/closed-without-opening}}", StandardCharsets.UTF_8);
        assertThat(StandardError.capture(() -> pages(PageConfig.builder().templateDirectory(shop))))
                .contains("503.txt.mustache in " + shown).doesNotContain("\nINFO started");
        assertThatIllegalStateException()
                .isThrownBy(() -> pages(PageConfig.builder().templateDirectory(shop).strictTemplatesEnabled(true)))
                .withMessageContaining("template 503.txt.mustache in " + shown)
                .withMessageNotContaining("\nINFO started");
    }

    @Test
    void strictModeStopsStartupForABrokenTemplateOrAMissingFolder() throws IOException {
        Path missing = folder.resolve("missing");
        assertThatIllegalStateException()
                .isThrownBy(() -> pages(PageConfig.builder().templateDirectory(missing).strictTemplatesEnabled(true)))
                .withMessage("Invalid error-pages configuration: templates.directory must be an existing folder "
                        + "(templates.strict is on), but was " + missing.toAbsolutePath());
        assertThat(render(pages(PageConfig.builder().templateDirectory(missing)), 502, BROWSER_ACCEPT).bodyText())
                .contains(BUILT_IN_502_HEADING);

        write("503.txt.mustache", "{{/closed-without-opening}}");
        assertThatIllegalStateException()
                .isThrownBy(() -> pages(PageConfig.builder().templateDirectory(folder).strictTemplatesEnabled(true)))
                .withMessageContaining("template 503.txt.mustache in " + folder.toAbsolutePath());
    }

    @Test
    void aTemplateSavedWithCrLfGetsTheHashesBrowsersComputeForItsStyleAndScript() throws Exception {
        // R41: browsers turn CRLF and a lone CR into LF before they hash an inline <style> or <script>, so a
        // hash of the raw CRLF text would block both. The lone CR is between the two style rules.
        write("layout.html.mustache", "<!DOCTYPE html>\r\n<html lang=\"{{lang}}\">\r\n<head>\r\n"
                + "<title>{{documentTitle}}</title>\r\n<style>\r\nbody { color: #222 }\rmain { margin: 0 }\r\n</style>\r\n"
                + "</head>\r\n<body>\r\n<main>{{$art}}{{/art}}<h1>{{heading}}</h1><p>{{supportCode}}</p></main>\r\n"
                + "<script>\r\ndocument.body.dataset.ready = 'yes';\r\n</script>\r\n</body>\r\n</html>\r\n");
        ErrorPages pages = pages(PageConfig.builder().templateDirectory(folder).strictTemplatesEnabled(true));

        ErrorResponse response = render(pages, 502, BROWSER_ACCEPT);

        assertThat(response.bodyText()).doesNotContain("\r").contains("<main>");
        assertThat(List.of(response.header("Content-Security-Policy").split("; ")))
                .contains("style-src 'sha256-" + sha256("\nbody { color: #222 }\nmain { margin: 0 }\n") + "'")
                .contains("script-src 'sha256-" + sha256("\ndocument.body.dataset.ready = 'yes';\n") + "'");
    }

    /**
     * R41: an inline script or style sheet runs up to its own end tag, as a browser parses it, whatever other end tag
     * it holds ({@code "</p>"} in a string, {@code </b>} in a comment): the policy hashes all of it. A hash of the part
     * before the first {@code </} would match nothing the browser sees, and it would block the script and style.
     */
    @Test
    void anInlineScriptOrStyleWithAnotherEndTagInsideIsHashedWhole() throws Exception {
        String style = "/* </b> */ main { margin: 0 }";
        String script = "document.body.insertAdjacentHTML('beforeend', '<p>ready</p>');";
        write("502.html.mustache", "<!DOCTYPE html><html lang=\"{{lang}}\"><head><title>t</title><style>" + style
                + "</style></head><body><h1>{{heading}}</h1><script>" + script + "</script></body></html>");
        ErrorPages pages = pages(PageConfig.builder().templateDirectory(folder).strictTemplatesEnabled(true));

        ErrorResponse response = render(pages, 502, BROWSER_ACCEPT);

        assertThat(List.of(response.header("Content-Security-Policy").split("; ")))
                .contains("style-src 'sha256-" + sha256(style) + "'")
                .contains("script-src 'sha256-" + sha256(script) + "'");
    }

    @Test
    void aByteOrderMarkIsNotSentAsPartOfTheBody() throws IOException {
        // RFC 8259 §8.1: networked JSON must not begin with a byte order mark (R32: the body is problem+json).
        write("502.json.mustache", "\uFEFF{\"status\": {{status}}, \"title\": \"{{title}}\"}\n");
        ErrorPages pages = pages(PageConfig.builder().templateDirectory(folder).strictTemplatesEnabled(true));

        ErrorResponse response = render(pages, 502, "application/json");

        assertThat(response.header("Content-Encoding")).isNull();
        assertThat(response.body()[0]).as(response.bodyText()).isEqualTo((byte) '{');
        assertThat(response.bodyText()).isEqualTo("{\"status\": 502, \"title\": \"Page not available\"}\n");
    }

    @Test
    void aTemplateThatIsNotUtf8IsABrokenTemplate() throws IOException {
        // 0xE9 is é in ISO-8859-1 and no UTF-8 at all.
        Files.write(folder.resolve("502.html.mustache"), "<h1>Café</h1>".getBytes(StandardCharsets.ISO_8859_1));
        ErrorPages[] built = new ErrorPages[1];

        String log = StandardError.capture(() -> built[0] = pages(PageConfig.builder().templateDirectory(folder)));

        assertThat(log.split("502.html.mustache in ", -1)).as(log).hasSize(2);
        assertThat(log).contains("is not valid UTF-8").contains("using the built-in template instead");
        assertThat(Jsoup.parse(render(built[0], 502, BROWSER_ACCEPT).bodyText()).select("h1").text())
                .isEqualTo(BUILT_IN_502_HEADING);
        assertThatIllegalStateException()
                .isThrownBy(() -> pages(PageConfig.builder().templateDirectory(folder).strictTemplatesEnabled(true)))
                .withMessageContaining("template 502.html.mustache in " + folder.toAbsolutePath())
                .withMessageContaining("is not valid UTF-8");
    }

    @Test
    void aClasspathTemplateIsDecodedAsStrictlyAsAFile() throws IOException {
        Path templates = Files.createDirectories(folder.resolve("acme/templates"));
        Files.write(templates.resolve("502.txt.mustache"), "Café {{status}}".getBytes(StandardCharsets.ISO_8859_1));

        assertThatIllegalStateException()
                .isThrownBy(() -> withClasspath(folder, () -> pages(PageConfig.builder()
                        .templateClasspathFolder("acme/templates").strictTemplatesEnabled(true))))
                .withMessageContaining("template 502.txt.mustache in classpath:acme/templates/")
                .withMessageContaining("is not valid UTF-8");
    }

    /**
     * A template of more than 1 MiB is a broken template, from either kind of folder: logged once, naming it, its
     * size and the limit, and replaced by the built-in page, or with templates.strict a failed start-up that says the
     * same. It was taken whatever its size: a 16 MB one took 16 s of a strict start, and every page it rendered was
     * as big. One of exactly 1 MiB is taken: a self-contained page (R42) inlines its images, and may be large.
     */
    @Test
    void aTemplateOfMoreThanOneMebibyteIsABrokenTemplate() throws IOException {
        int limit = 1024 * 1024;
        write("502.html.mustache", padded("<h1>{{heading}}, ours</h1>", limit + 1));
        write("503.txt.mustache", padded("ours {{status}}", limit));
        ErrorPages[] built = new ErrorPages[1];

        String log = StandardError.capture(() -> built[0] = pages(PageConfig.builder().templateDirectory(folder)));

        assertThat(log.split("502.html.mustache in ", -1)).as(log).hasSize(2);
        assertThat(log).contains("502.html.mustache is " + (limit + 1) + " bytes, more than the " + limit
                + " (1 MiB) a template may have").contains("using the built-in template instead");
        assertThat(Jsoup.parse(render(built[0], 502, BROWSER_ACCEPT).bodyText()).select("h1").text())
                .isEqualTo(BUILT_IN_502_HEADING);
        assertThat(render(built[0], 503, "text/plain").bodyText()).isEqualTo("ours 503");
        assertThatIllegalStateException()
                .isThrownBy(() -> pages(PageConfig.builder().templateDirectory(folder).strictTemplatesEnabled(true)))
                .withMessageContaining("template 502.html.mustache in " + folder.toAbsolutePath())
                .withMessageContaining("templates.strict is on")
                .withMessageContaining("is " + (limit + 1) + " bytes, more than the " + limit + " (1 MiB)");

        Path templates = Files.createDirectories(folder.resolve("acme/templates"));
        Files.writeString(templates.resolve("504.txt.mustache"), padded("{{status}}", 3 * limit));
        assertThatIllegalStateException()
                .isThrownBy(() -> withClasspath(folder, () -> pages(PageConfig.builder()
                        .templateClasspathFolder("acme/templates").strictTemplatesEnabled(true))))
                .withMessageContaining("template 504.txt.mustache in classpath:acme/templates/")
                .withMessageContaining("has more than the " + limit + " bytes (1 MiB) a template may have");
    }

    /**
     * A class-path template that never ends (a link to {@code /dev/zero} in a class-path folder on the file system, as
     * a FIFO would be) is a broken template as one of more than 1 MiB is: only one byte past the limit is read. The
     * rest was read to count its size, which never ended, and the start hung.
     */
    @Test
    void aClasspathTemplateThatNeverEndsIsABrokenTemplateOnceItPassesTheLimit() throws IOException {
        Path zero = Path.of("/dev/zero");
        Assumptions.assumeTrue(Files.isReadable(zero), "a system with /dev/zero");
        Path templates = Files.createDirectories(folder.resolve("acme/templates"));
        Files.createSymbolicLink(templates.resolve("504.txt.mustache"), zero);

        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> assertThatIllegalStateException()
                .isThrownBy(() -> withClasspath(folder, () -> pages(PageConfig.builder()
                        .templateClasspathFolder("acme/templates").strictTemplatesEnabled(true))))
                .withMessageContaining("template 504.txt.mustache in classpath:acme/templates/")
                .withMessageContaining("has more than the 1048576 bytes (1 MiB) a template may have"));
    }

    /** A template whose text is followed by comment lines, to {@code bytes} of UTF-8 in all. */
    private static String padded(String template, int bytes) {
        StringBuilder text = new StringBuilder(bytes).append(template).append("{{!");
        while (text.length() < bytes - 2) {
            text.append(text.length() % 80 == 0 ? '\n' : 'x');
        }
        return text.append("}}").toString();
    }

    @Test
    void strictModeStopsStartupForAClasspathFolderThatIsNotThereButFindsOneInAJarWithoutDirectoryEntries()
            throws IOException {
        assertThatIllegalStateException()
                .isThrownBy(() -> pages(PageConfig.builder().templateClasspathFolder("error-pages-test/missing")
                        .strictTemplatesEnabled(true)))
                .withMessage("Invalid error-pages configuration: templates.classpath must be a folder on the class path "
                        + "(templates.strict is on), but was error-pages-test/missing");
        ErrorPages[] built = new ErrorPages[1];
        String log = StandardError.capture(() -> built[0] = pages(PageConfig.builder()
                .templateClasspathFolder("error-pages-test/missing")));
        assertThat(log.split("templates.classpath error-pages-test/missing does not exist", -1)).as(log).hasSize(2);
        assertThat(Jsoup.parse(render(built[0], 502, BROWSER_ACCEPT).bodyText()).select("h1").text())
                .isEqualTo(BUILT_IN_502_HEADING);

        Path jar = folder.resolve("templates.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new JarEntry("acme/templates/504.txt.mustache")); // and no entry for acme/templates/
            out.write("jar 504 template\n".getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
        ErrorPages fromJar = withClasspath(jar, () -> {
            assertThat(Thread.currentThread().getContextClassLoader().getResource("acme/templates/"))
                    .as("a jar without directory entries has no resource for the folder").isNull();
            return pages(PageConfig.builder().templateClasspathFolder("acme/templates").strictTemplatesEnabled(true));
        });
        assertThat(render(fromJar, 504, "text/plain").bodyText()).isEqualTo("jar 504 template\n");
    }

    /**
     * A redeploy that replaced the application's jar is served the new jar's templates: read through
     * {@code getResource(...).openStream()}, the jar went into the JVM's cache of jar files, which closing the old
     * class loader does not close, and the next class loader of the same path read the old template from it (the
     * jar stayed open too, locked on Windows).
     */
    @Test
    void aRedeployWithItsJarReplacedGetsTheNewTemplates() throws IOException {
        Path jar = folder.resolve("application.jar");
        for (String version : List.of("first", "second")) {
            Path next = folder.resolve("next.jar");
            try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(next))) {
                out.putNextEntry(new JarEntry("acme/templates/503.txt.mustache"));
                out.write((version + " deploy's 503\n").getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            }
            Files.move(next, jar, StandardCopyOption.REPLACE_EXISTING);

            ErrorPages deployed = withClasspath(jar,
                    () -> pages(PageConfig.builder().templateClasspathFolder("acme/templates")));

            assertThat(render(deployed, 503, "text/plain").bodyText()).isEqualTo(version + " deploy's 503\n");
        }
    }

    private void writeLayoutWithAPartialAndABrokenSeriesTemplate() throws IOException {
        write("layout.html.mustache", "<!DOCTYPE html><html lang=\"{{lang}}\"><title>{{documentTitle}}</title>"
                + "<body class=\"acme\"><main>{{$art}}{{/art}}<h1>{{heading}}</h1><p>{{supportCode}}</p></main>"
                + "{{> acme-footer.html.mustache}}</body></html>");
        write("acme-footer.html.mustache", "<footer class=\"acme-footer\">Acme</footer>");
        write("5xx.html.mustache", "<p>{{#hasSince}}{{sinceSentence}}{{/hasSince}}</p>{{/oops}}");
    }

    private void write(String name, String text) throws IOException {
        Files.writeString(folder.resolve(name), text, StandardCharsets.UTF_8);
    }

    /** Builds with the thread context class loader (where templates.classpath is read) seeing a folder or jar. */
    private static ErrorPages withClasspath(Path root, Supplier<ErrorPages> build) {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {root.toUri().toURL()}, previous)) {
            thread.setContextClassLoader(loader);
            return build.get();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    private static String sha256(String text) throws NoSuchAlgorithmException {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        return Base64.getEncoder().encodeToString(digest);
    }

    private static ErrorPages pages(PageConfig.Builder config) {
        return BuiltInPage.pages(config.build());
    }

    private static ErrorResponse render(ErrorPages pages, int status, String accept) {
        UpstreamFailure failure = status == 502 ? UpstreamFailure.of(FailureCause.CONNECTION_REFUSED)
                : status == 504 ? UpstreamFailure.of(FailureCause.CONNECTION_TIMEOUT)
                : status == 500 ? UpstreamFailure.of(FailureCause.PROXY_INTERNAL_ERROR)
                : UpstreamFailure.ofUpstreamStatus(status, null);
        return pages.render(failure, new ErrorRequest("GET", "/", accept, "en", null));
    }
}
