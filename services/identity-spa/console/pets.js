// @ts-check
// learn-ps through identity-rp: browse pets, add one (pets:write), and order one for a customer
// (orders:write). Prices are entered and shown in currency units; learn-ps keeps cents.
import { field, form, h, table, valueOf } from './dom.js';

const API = 'learn-ps';

/**
 * @typedef {{ id: string, name: string, species: string, priceCents: number, stock: number }} Pet
 * @typedef {{ id: string, name: string, email: string }} Customer
 * @typedef {{ id: string, customerId: string, status: string, items: { petId: string, quantity: number }[], totalCents: number }} Order
 */

/**
 * @template T
 * @typedef {{ items: T[], total: number }} PageOf
 */

/** @param {number} cents */
function money(cents) {
  return (cents / 100).toFixed(2);
}

/** @param {string} text */
function cents(text) {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) throw new Error('The price must be a number of at least 0, like 12.50.');
  return Math.round(value * 100);
}

/**
 * @param {string} name
 * @param {string} label
 * @param {Record<string, string | number | boolean>} [props]
 */
function input(name, label, props = {}) {
  return field(label, h('input', { name, required: true, ...props }));
}

/** @type {import('./app.js').Page} */
export const petsPage = {
  title: 'Pets',
  apis: [API],
  async render(context) {
    const { rp } = context;
    const [pets, customers, orders] = /** @type {[PageOf<Pet>, PageOf<Customer>, PageOf<Order>]} */ (await Promise.all([
      rp.api(API, '/pets?size=100'),
      rp.api(API, '/customers?size=100'),
      rp.api(API, '/orders?size=100'),
    ]));
    const petName = new Map(pets.items.map((pet) => [pet.id, pet.name]));
    const customerName = new Map(customers.items.map((customer) => [customer.id, customer.name]));

    const createPet = form('Add a pet', [
      input('name', 'Name', { maxlength: 200, autocomplete: 'off' }),
      input('species', 'Species', { maxlength: 100, autocomplete: 'off' }),
      input('price', 'Price', { inputmode: 'decimal', autocomplete: 'off' }),
      input('stock', 'Stock', { type: 'number', min: 0, max: 1000000, value: 1 }),
    ], 'Add pet', async (element, say) => {
      const pet = /** @type {Pet} */ (await rp.api(API, '/pets', { method: 'POST', json: {
        name: valueOf(element, 'name'), species: valueOf(element, 'species'), priceCents: cents(valueOf(element, 'price')), stock: Number(valueOf(element, 'stock')),
      } }));
      say.clear();
      await context.refresh(`Added ${pet.name}.`);
    });

    const createCustomer = form('Add a customer', [
      input('name', 'Customer name', { maxlength: 200, autocomplete: 'name' }),
      input('email', 'Customer email', { type: 'email', maxlength: 254, autocomplete: 'email' }),
    ], 'Add customer', async (element, say) => {
      const customer = /** @type {Customer} */ (await rp.api(API, '/customers', { method: 'POST', json: { name: valueOf(element, 'name'), email: valueOf(element, 'email') } }));
      say.clear();
      await context.refresh(`Added ${customer.name}.`);
    });

    const order = form('Order a pet', [
      field('Pet', h('select', { name: 'petId', required: true }, pets.items.map((pet) => h('option', { value: pet.id }, `${pet.name} (${pet.species}, ${money(pet.priceCents)}, ${String(pet.stock)} in stock)`)))),
      field('Customer', h('select', { name: 'customerId', required: true }, customers.items.map((customer) => h('option', { value: customer.id }, `${customer.name} <${customer.email}>`)))),
      input('quantity', 'Quantity', { type: 'number', min: 1, max: 1000, value: 1 }),
    ], 'Place order', async (element, say) => {
      const placed = /** @type {Order} */ (await rp.api(API, '/orders', { method: 'POST', json: {
        customerId: valueOf(element, 'customerId'), items: [{ petId: valueOf(element, 'petId'), quantity: Number(valueOf(element, 'quantity')) }],
      } }));
      say.clear();
      await context.refresh(`Order placed: total ${money(placed.totalCents)}.`);
    });

    return [
      h('h1', {}, 'Pets'),
      pets.items.length === 0
        ? h('p', {}, 'No pets yet: add the first one below.')
        : table(`Pets (${String(pets.total)})`, ['Name', 'Species', 'Price', 'Stock'], pets.items, (pet) => [pet.name, pet.species, money(pet.priceCents), String(pet.stock)]),
      h('section', { 'aria-labelledby': 'add-pet' }, h('h2', { id: 'add-pet' }, 'Add a pet'), createPet),
      h('section', { 'aria-labelledby': 'order-pet' }, h('h2', { id: 'order-pet' }, 'Order a pet'),
        pets.items.length === 0 || customers.items.length === 0 ? h('p', {}, 'An order needs a pet and a customer.') : order,
        h('h3', {}, 'Add a customer'), createCustomer),
      orders.items.length === 0
        ? h('p', {}, 'No orders yet.')
        : table(`Orders (${String(orders.total)})`, ['Customer', 'Pets', 'Total', 'Status'], orders.items, (item) => [
          customerName.get(item.customerId) ?? item.customerId,
          item.items.map((line) => `${String(line.quantity)} × ${petName.get(line.petId) ?? line.petId}`).join(', '),
          money(item.totalCents),
          item.status,
        ]),
    ];
  },
};
