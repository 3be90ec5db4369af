/* The widgets' strings in the page's language (<html lang>: ko or en). */
import en from "./strings-en.js";
import ko from "./strings-ko.js";

export const STRINGS = Object.freeze({ en, ko });

/** The strings of the page's language (English unless <html lang> starts with "ko"). */
export function strings() {
  const lang = (document.documentElement.lang || "en").toLowerCase();
  return lang.startsWith("ko") ? STRINGS.ko : STRINGS.en;
}
