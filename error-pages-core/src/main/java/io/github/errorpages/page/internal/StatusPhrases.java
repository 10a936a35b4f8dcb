package io.github.errorpages.page.internal;

/**
 * The reason phrases of the 5xx statuses (RFC 9110 §15.6 and the IANA status code registry), used as the
 * problem details {@code title}, which for {@code type: about:blank} should be the status phrase
 * (RFC 9457 §4.2.1, standards R32).
 */
final class StatusPhrases {

    private StatusPhrases() {
    }

    /**
     * @param status a status in [500, 599]
     * @return its reason phrase, or {@code Server Error} for one that has none
     */
    static String of(int status) {
        return switch (status) {
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            case 505 -> "HTTP Version Not Supported";
            case 506 -> "Variant Also Negotiates";
            case 507 -> "Insufficient Storage";
            case 508 -> "Loop Detected";
            case 510 -> "Not Extended";
            case 511 -> "Network Authentication Required";
            default -> "Server Error";
        };
    }
}
