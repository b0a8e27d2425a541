// The award form's "headroom after" follows the amount as it is typed. Exact: amounts are handled as whole pennies
// (BigInt), never as floating-point numbers. The server checks everything again when the form is sent.
(function () {
  "use strict";
  var box = document.getElementById("headroom");
  var input = document.getElementById("id_amount");
  var currency = document.getElementById("id_currency");
  if (!box || !input) {
    return;
  }
  var amountCell = box.querySelector('[data-role="amount"]');
  var afterCell = box.querySelector('[data-role="after"]');
  var verdict = box.querySelector('[data-role="verdict"]');

  function toPennies(text) {
    var cleaned = String(text).replace(/[,\s£$€\u00a0]/g, "");
    var match = /^(-?)(\d+)(?:\.(\d{0,2}))?$/.exec(cleaned);
    if (!match) {
      return null;
    }
    var pennies = BigInt(match[2]) * 100n + BigInt((match[3] || "").padEnd(2, "0") || "0");
    return match[1] ? -pennies : pennies;
  }

  function format(pennies) {
    var negative = pennies < 0n;
    var abs = negative ? -pennies : pennies;
    var pounds = (abs / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    var pence = (abs % 100n).toString().padStart(2, "0");
    return (negative ? "\u2212" : "") + "£" + pounds + "." + pence;
  }

  var headroom = toPennies(box.getAttribute("data-headroom"));

  function update() {
    var amount = toPennies(input.value);
    if (amount === null || headroom === null || (currency && currency.value !== "GBP")) {
      amountCell.textContent = "—";
      afterCell.innerHTML = "<strong>—</strong>";
      verdict.textContent = "Enter an amount in pounds to see the headroom after this award.";
      return;
    }
    var after = headroom - amount;
    amountCell.textContent = format(amount);
    afterCell.innerHTML = "";
    var strong = document.createElement("strong");
    strong.textContent = format(after);
    afterCell.appendChild(strong);
    afterCell.classList.toggle("text-danger", after < 0n);
    if (amount < 5000000n || amount > 100000000n) {
      verdict.textContent = "Awards are £50,000 to £1,000,000: this amount would be refused.";
    } else if (after < 0n) {
      verdict.textContent = "More than the headroom: this award would be refused.";
    } else {
      verdict.textContent = "Within the headroom.";
    }
  }

  input.addEventListener("input", update);
  if (currency) {
    currency.addEventListener("change", update);
  }
})();
