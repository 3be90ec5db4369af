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

let lexicon = null

function prepare(korean) {
  if (!korean) return null
  const synonyms = new Map()
  for (const row of korean.synonyms || [])
    for (const word of row)
      synonyms.set(word, row)
  const stems = new Set(korean.stems || [])
  const suffixes = new Set(korean.suffixes || [])
  let longest = 0
  for (const stem of stems) longest = Math.max(longest, stem.length)
  return { stems, suffixes, synonyms, longest }
}

/* Whether `rest` is made of at most MAX_SUFFIX_PIECES known particles/endings. */
function isSuffix(rest, lex, pieces = MAX_SUFFIX_PIECES) {
  if (rest === "" || lex.suffixes.has(rest)) return true
  if (pieces <= 1) return false
  for (let i = 1; i < rest.length; i++)
    if (lex.suffixes.has(rest.slice(0, i)) && isSuffix(rest.slice(i), lex, pieces - 1))
      return true
  return false
}

/* The stems of one word: fewest stems covering a prefix whose rest is a suffix. */
function stemsOf(word, lex) {
  if (lex.stems.has(word)) return [word]
  const n = word.length
  const best = new Array(n + 1).fill(null)   /* best[i]: fewest stems covering word[0, i) */
  best[0] = []
  for (let i = 0; i < n; i++) {
    if (best[i] === null) continue
    for (let j = Math.min(n, i + lex.longest); j > i; j--) {
      const piece = word.slice(i, j)
      if (!lex.stems.has(piece)) continue
      const next = [...best[i], piece]
      if (best[j] === null || next.length < best[j].length) best[j] = next
    }
  }
  let found = null
  for (let end = n; end > 0; end--)
    if (best[end] !== null && isSuffix(word.slice(end), lex))
      if (found === null || best[end].length < found.length)
        found = best[end]
  return found || [word]
}

function rewrite(query, lex) {
  if (query.includes('"')) return query   /* phrases: leave Material's syntax alone */
  return query.split(/(\s+)/).map(part => {
    if (!HANGUL.test(part) || !PLAIN.test(part)) return part
    const words = []
    for (const stem of stemsOf(part, lex))
      for (const word of lex.synonyms.get(stem) || [stem])
        if (!words.includes(word)) words.push(word)
    return words.join(" ")
  }).join("")
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
    if (ev.data.type === QUERY && lexicon && typeof ev.data.data === "string")
      ev.data.data = rewrite(ev.data.data, lexicon)
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
  if (message.type === QUERY && lexicon && typeof message.data === "string")
    message.data = rewrite(message.data, lexicon)
})

importScripts("__MATERIAL_WORKER__")
