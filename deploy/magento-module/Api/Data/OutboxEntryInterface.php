<?php
declare(strict_types=1);

namespace SalesChannel\Reservations\Api\Data;

/**
 * One recorded shipment or track change, or an order canceled.
 *
 * @api
 */
interface OutboxEntryInterface
{
    public const ENTRY_ID = 'entry_id';
    public const EVENT = 'event';
    public const SHIPMENT_ID = 'shipment_id';
    public const ORDER_ID = 'order_id';
    public const PAYLOAD = 'payload';
    public const CREATED_AT = 'created_at';

    /**
     * @return int
     */
    public function getEntryId(): int;

    /**
     * shipment_saved, track_saved, track_deleted or order_canceled.
     *
     * @return string
     */
    public function getEvent(): string;

    /**
     * The shipment's entity id; 0 for order_canceled.
     *
     * @return int
     */
    public function getShipmentId(): int;

    /**
     * @return int
     */
    public function getOrderId(): int;

    /**
     * The snapshot, JSON: shipment, order, items, tracks, source; for order_canceled: order (with
     * state, status, updated_at), items (qty_ordered, qty_canceled, qty_shipped), source.
     *
     * @return string
     */
    public function getPayload(): string;

    /**
     * @return string
     */
    public function getCreatedAt(): string;
}
