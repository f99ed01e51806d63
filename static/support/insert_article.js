"use strict";
// "Insert into reply" on a ticket's page (templates/support/ticket_workspace.html): the chosen
// knowledge-base article's text goes into the reply box of the form below, and the article is noted
// in the form's `articles_in_reply`, so that it is recorded as used once the reply is sent
// (TicketAdmin.save_related). Served as a file: the console's Content-Security-Policy runs no
// inline script.
(function () {
  const REPLY = "reply";

  function bodiesOf(group) {
    return Array.from(group.querySelectorAll('textarea[name^="messages-"][name$="-body"]'))
      .filter((body) => !body.name.includes("__prefix__"));
  }

  function visibilityOf(group, body) {
    return group.querySelector(`select[name="${body.name.replace(/-body$/, "-visibility")}"]`);
  }

  // The reply being written: the first message row that is a reply or not yet either; a new row
  // when every row is an internal note (a note is never turned into a reply).
  function replyBox() {
    const group = document.getElementById("messages-group");
    if (!group) {
      return null;
    }
    const writable = () => bodiesOf(group).find((body) => {
      const visibility = visibilityOf(group, body);
      return !visibility || visibility.value === "" || visibility.value === REPLY;
    });
    if (!writable()) {
      const addRow = Array.from(group.querySelectorAll("a.add-row, .add-row a"))
        .find((link) => link.offsetParent !== null);
      if (addRow) {
        addRow.click();
      }
    }
    const body = writable();
    if (body) {
      const visibility = visibilityOf(group, body);
      if (visibility) {
        visibility.value = REPLY;
        visibility.dispatchEvent(new Event("change", { bubbles: true }));
      }
    }
    return body || null;
  }

  function noteArticle(articleId) {
    const form = document.getElementById("ticket_form");
    let field = form.querySelector('input[name="articles_in_reply"]');
    if (!field) {
      field = document.createElement("input");
      field.type = "hidden";
      field.name = "articles_in_reply";
      form.appendChild(field);
    }
    const ids = field.value.split(",").filter((id) => id !== "");
    if (!ids.includes(String(articleId))) {
      ids.push(String(articleId));
    }
    field.value = ids.join(",");
  }

  async function insertArticle(button, choice, status) {
    const url = button.dataset.articleTextUrl.replace(/\/0\/text\/$/, `/${encodeURIComponent(choice.value)}/text/`);
    let article;
    try {
      const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) {
        throw new Error(`HTTP ${response.status}`);
      }
      article = await response.json();
    } catch (error) {
      status.textContent = "The article could not be fetched. Try again, or copy it from the knowledge base.";
      return;
    }
    const body = replyBox();
    if (!body) {
      status.textContent = "There is no reply box on this page to insert the article into.";
      return;
    }
    body.value = body.value.trim() ? `${body.value.trimEnd()}\n\n${article.body}` : article.body;
    body.dispatchEvent(new Event("input", { bubbles: true }));
    noteArticle(article.id);
    status.textContent = `“${article.title}” is in the reply below; it is recorded as used when the reply is sent.`;
    body.focus();
  }

  document.addEventListener("DOMContentLoaded", () => {
    const button = document.getElementById("ticket-insert-article");
    const choice = document.getElementById("ticket-article-choice");
    const status = document.getElementById("ticket-insert-article-status");
    if (button && choice && status) {
      button.addEventListener("click", () => insertArticle(button, choice, status));
    }
  });
})();
