/* Search worker of cnn-tutorial: Material's own worker, with Korean query words
 * rewritten into their stems before it sees them (see docs_hooks/search.py,
 * which writes this file next to Material's worker and names it in each page's
 * __config). The lexicon comes with the search index (config.korean): stems
 * and the particles/endings Kiwi found in the Korean pages, and the glossary's
 * alternatives. Nothing is fetched here but Material's worker itself.
 */
"use strict"

const SETUP = 0                      /* Material's SearchMessageType.SETUP */
const READY = 1                      /* Material's SearchMessageType.READY */
const QUERY = 2                      /* Material's SearchMessageType.QUERY */
const RESULT = 3                     /* Material's SearchMessageType.RESULT */
const HANGUL = /[\uac00-\ud7a3]/
const PLAIN = /^[\uac00-\ud7a3A-Za-z0-9]+$/  /* no query syntax (+ - * ~ ^ : ") */
const MAX_SUFFIX_PIECES = 3
/* What one query may cost: Material runs the search of a ?q= in the address as
 * soon as the page loads, so a crafted link must not keep a core busy. Longer
 * queries are cut; a longer word is searched as typed, without analysis. */
const MAX_QUERY_LENGTH = 200
const MAX_WORD_LENGTH = 32

let lexicon = null
/* Words this worker added to the current query (glossary alternatives, Latin
 * names): lower-case word -> the reader's word it stands for. Material lists
 * query words a result lacks; these were never typed, so they are not listed. */
let added = new Map()

function prepare(korean) {
  if (!korean) return null
  const synonyms = new Map()
  for (const row of korean.synonyms || [])
    for (const word of row)
      synonyms.set(word, row)
  const stems = new Set(korean.stems || [])
  const suffixes = new Set(korean.suffixes || [])
  const names = new Map(Object.entries(korean.names || {}))
  let longest = 0
  for (const stem of stems) longest = Math.max(longest, stem.length)
  let longestSuffix = 0
  for (const suffix of suffixes) longestSuffix = Math.max(longestSuffix, suffix.length)
  return { stems, suffixes, synonyms, names, longest, longestSuffix }
}

/* Whether `rest` is made of at most `pieces` known particles/endings. */
function isSuffix(rest, lex, pieces = MAX_SUFFIX_PIECES) {
  if (rest === "" || lex.suffixes.has(rest)) return true
  if (pieces <= 1 || rest.length > lex.longestSuffix * pieces) return false
  for (let i = Math.min(rest.length - 1, lex.longestSuffix); i >= 1; i--)
    if (lex.suffixes.has(rest.slice(0, i)) && isSuffix(rest.slice(i), lex, pieces - 1))
      return true
  return false
}

/* The stems of one word: fewest known stems covering a prefix whose rest is a
 * suffix. A word made of no known stems is searched as a whole (less a known
 * ending, when two syllables or more remain), never by its syllables. */
function stemsOf(word, lex) {
  if (word.length > MAX_WORD_LENGTH || lex.stems.has(word)) return [word]
  const n = word.length
  const best = new Array(n + 1).fill(null)   /* best[i]: fewest stems covering word[0, i) */
  best[0] = []
  for (let i = 0; i < n; i++) {
    if (best[i] === null) continue
    for (let j = Math.min(n, i + lex.longest); j > i; j--) {
      const piece = word.slice(i, j)
      if (!lex.stems.has(piece)) continue
      if (best[j] === null || best[i].length + 1 < best[j].length) best[j] = [...best[i], piece]
    }
  }
  let found = null
  const shortest = Math.max(1, n - lex.longestSuffix * MAX_SUFFIX_PIECES)
  for (let end = n; end >= shortest; end--)
    if (best[end] !== null && isSuffix(word.slice(end), lex))
      if (found === null || best[end].length < found.length)
        found = best[end]
  if (found) return found
  for (let end = Math.max(2, shortest); end < n; end++)
    if (isSuffix(word.slice(end), lex)) return [word.slice(0, end)]
  return [word]
}

/* The query Material searches for, and the words added to it. */
function rewrite(query, lex) {
  const extra = new Map()
  query = query.slice(0, MAX_QUERY_LENGTH)
  if (query.includes('"')) return { query, extra }   /* phrases: Material's syntax */
  const text = query.split(/(\s+)/).map(part => {
    if (!HANGUL.test(part) || !PLAIN.test(part)) return part
    const words = []
    for (const stem of stemsOf(part, lex)) {
      const name = lex.names.get(stem) || lex.names.get(part)
      for (const word of [...(lex.synonyms.get(stem) || [stem]), ...(name ? [name] : [])]) {
        if (words.includes(word)) continue
        words.push(word)
        if (word !== stem) extra.set(word.toLowerCase(), stem.toLowerCase())
      }
    }
    return words.join(" ")
  }).join("")
  return { query: text, extra }
}

/* A result of Material's as the reader's query would have it: an added word
 * counts for the word it stands for and is never listed as missing. */
function withoutAdded(data, extra) {
  if (!extra.size || !data || !Array.isArray(data.items)) return data
  for (const group of data.items)
    for (const item of Array.isArray(group) ? group : [group]) {
      const terms = item && item.terms
      if (!terms) continue
      for (const [word, stem] of extra) {
        if (!(word in terms)) continue
        if (terms[word] && stem in terms) terms[stem] = true
        delete terms[word]
      }
    }
  return data
}

function rewriteQuery(message) {
  if (typeof message.data !== "string") return
  if (!lexicon) {
    message.data = message.data.slice(0, MAX_QUERY_LENGTH)
    added = new Map()
    return
  }
  const { query, extra } = rewrite(message.data, lexicon)
  message.data = query
  added = extra
}

/* The page sends a small stub index (config only) at load; the sections are
 * fetched from config.cnn_full_index, relative to this file, at the first query
 * only, and then handed to Material's worker as its SETUP. */
let stub = null          /* SETUP message held back until the first query */
let pending = null       /* latest query while the index loads */
let loading = false
let passThrough = false  /* our own re-dispatched messages go to Material as they are */
let onReady = null
const post = self.postMessage.bind(self)
self.postMessage = (message, ...rest) => {
  if (message && message.type === READY && onReady) {
    const done = onReady
    onReady = null
    done()
    return
  }
  if (message && message.type === RESULT) withoutAdded(message.data, added)
  post(message, ...rest)
}

function dispatch(data) {
  passThrough = true
  try {
    self.dispatchEvent(new MessageEvent("message", { data }))
  } finally {
    passThrough = false
  }
}

async function loadIndex() {
  loading = true
  const url = new URL(stub.data.config.cnn_full_index, self.location.href)
  const index = await (await fetch(url)).json()
  lexicon = prepare(index.config.korean)
  await new Promise(resolve => {
    onReady = resolve
    dispatch({ type: SETUP, data: { ...stub.data, config: index.config, docs: index.docs } })
  })
  stub = null
  const query = pending
  pending = null
  if (query !== null) dispatch(query)
}

/* Registered before Material's listener, so it runs first on the same message. */
addEventListener("message", ev => {
  if (passThrough) {
    if (ev.data.type === QUERY) rewriteQuery(ev.data)
    return
  }
  const message = ev.data
  if (message.type === SETUP && message.data.config.cnn_full_index) {
    ev.stopImmediatePropagation()     /* Material sets up when the sections are here */
    stub = message
    post({ type: READY })
    return
  }
  if (message.type === SETUP) {
    lexicon = prepare(message.data.config.korean)
    return
  }
  if (message.type === QUERY && stub !== null) {
    ev.stopImmediatePropagation()
    if (!String(message.data).trim()) {  /* opening the search box: nothing to find yet */
      post({ type: RESULT, data: { items: [] } })
      return
    }
    pending = { type: QUERY, data: message.data }
    if (!loading)
      loadIndex().catch(err => {
        console.warn("search index could not be loaded", err)
        post({ type: RESULT, data: { items: [] } })
      })
    return
  }
  if (message.type === QUERY) rewriteQuery(message)
})

importScripts("__MATERIAL_WORKER__")
