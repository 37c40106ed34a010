// Loaded (not deferred) in every page's head, before first paint: the reader's "large text" choice.
if (localStorage.getItem("workshop:large-text") === "1") document.documentElement.classList.add("large-text");
