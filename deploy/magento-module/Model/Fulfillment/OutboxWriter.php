<?php
declare(strict_types=1);

namespace SalesChannel\Reservations\Model\Fulfillment;

use Magento\Authorization\Model\UserContextInterface;
use Magento\Framework\App\ResourceConnection;
use Magento\Framework\App\State as AppState;
use Magento\Framework\Serialize\Serializer\Json;
use Magento\Sales\Api\ShipmentRepositoryInterface;
use Magento\Sales\Model\Order;
use Magento\Sales\Model\Order\Shipment;
use Magento\Sales\Model\Order\Shipment\Track;

/**
 * Appends one outbox row per shipment or track change: a snapshot of the whole shipment (order
 * reference, items with the Amazon order item id kept in ext_order_item_id, tracks) as it is
 * inside the saving transaction; and one order_canceled row when an order's state becomes
 * canceled (order reference, items, who canceled it; shipment_id 0). It uses the sales
 * connection, so the row is committed or rolled back with the shipment or the order: nothing is
 * lost, nothing is recorded that did not happen.
 */
class OutboxWriter
{
    public const TABLE = 'sales_channel_fulfillment_outbox';
    public const EVENT_SHIPMENT_SAVED = 'shipment_saved';
    public const EVENT_TRACK_SAVED = 'track_saved';
    public const EVENT_TRACK_DELETED = 'track_deleted';
    public const EVENT_ORDER_CANCELED = 'order_canceled';

    public function __construct(
        private readonly ResourceConnection $resource,
        private readonly ShipmentRepositoryInterface $shipments,
        private readonly UserContextInterface $userContext,
        private readonly AppState $appState,
        private readonly Json $json
    ) {
    }

    public function recordTrack(Track $track, string $event): void
    {
        $shipment = $track->getShipment();
        if (!$shipment instanceof Shipment || !$shipment->getId()) {
            $shipment = $this->shipments->get((int)$track->getParentId());
        }
        $this->record($shipment, $event, $event === self::EVENT_TRACK_DELETED ? (int)$track->getId() : null);
    }

    public function record(Shipment $shipment, string $event, ?int $deletedTrackId = null): void
    {
        $order = $shipment->getOrder();
        $items = [];
        foreach ($shipment->getAllItems() as $item) {
            $orderItem = $item->getOrderItem();
            if ($orderItem !== null && $orderItem->getParentItemId()) {
                continue; // children of configurable/bundle lines ship with their parent
            }
            $items[] = [
                'order_item_id' => (int)$item->getOrderItemId(),
                'ext_order_item_id' => $orderItem !== null ? (string)$orderItem->getExtOrderItemId() : null,
                'sku' => (string)$item->getSku(),
                'qty' => (float)$item->getQty(),
            ];
        }
        $tracks = [];
        foreach ($shipment->getAllTracks() as $track) {
            if ($deletedTrackId !== null && (int)$track->getId() === $deletedTrackId) {
                continue;
            }
            if ($track->isDeleted()) {
                continue;
            }
            $tracks[] = [
                'entity_id' => (int)$track->getId(),
                'track_number' => (string)$track->getTrackNumber(),
                'carrier_code' => (string)$track->getCarrierCode(),
                'title' => (string)$track->getTitle(),
                'created_at' => (string)$track->getCreatedAt(),
            ];
        }
        $payload = [
            'shipment' => [
                'entity_id' => (int)$shipment->getId(),
                'increment_id' => (string)$shipment->getIncrementId(),
                'created_at' => (string)$shipment->getCreatedAt(),
            ],
            'order' => [
                'entity_id' => (int)$order->getId(),
                'increment_id' => (string)$order->getIncrementId(),
                'ext_order_id' => (string)$order->getExtOrderId(),
                'store_id' => (int)$order->getStoreId(),
                'store_code' => (string)$order->getStore()->getCode(),
            ],
            'items' => $items,
            'tracks' => $tracks,
            'source' => $this->source(),
        ];
        $this->insert($event, (int)$shipment->getId(), (int)$order->getId(), $payload);
    }

    /**
     * The order whose state has just become canceled (the merchant's cancel, or the Sales Channel's
     * own after Amazon canceled the order: the pipeline tells them apart by Amazon's status).
     */
    public function recordCancel(Order $order): void
    {
        $items = [];
        foreach ($order->getAllItems() as $item) {
            if ($item->getParentItemId()) {
                continue; // children of configurable/bundle lines are canceled with their parent
            }
            $items[] = [
                'order_item_id' => (int)$item->getItemId(),
                'ext_order_item_id' => $item->getExtOrderItemId() !== null ? (string)$item->getExtOrderItemId() : null,
                'sku' => (string)$item->getSku(),
                'qty_ordered' => (float)$item->getQtyOrdered(),
                'qty_canceled' => (float)$item->getQtyCanceled(),
                'qty_shipped' => (float)$item->getQtyShipped(),
            ];
        }
        $payload = [
            'order' => [
                'entity_id' => (int)$order->getId(),
                'increment_id' => (string)$order->getIncrementId(),
                'ext_order_id' => (string)$order->getExtOrderId(),
                'store_id' => (int)$order->getStoreId(),
                'store_code' => (string)$order->getStore()->getCode(),
                'state' => (string)$order->getState(),
                'status' => (string)$order->getStatus(),
                'updated_at' => (string)$order->getUpdatedAt(),
            ],
            'items' => $items,
            'source' => $this->source(),
        ];
        $this->insert(self::EVENT_ORDER_CANCELED, 0, (int)$order->getId(), $payload);
    }

    /**
     * @param array<string, mixed> $payload
     */
    private function insert(string $event, int $shipmentId, int $orderId, array $payload): void
    {
        $connection = $this->resource->getConnection('sales');
        $connection->insert($this->resource->getTableName(self::TABLE, 'sales'), [
            'event' => $event,
            'shipment_id' => $shipmentId,
            'order_id' => $orderId,
            'payload' => $this->json->serialize($payload),
        ]);
    }

    /**
     * Who made the change: the area and the API user, if any (the Sales Channel's own integration
     * ships orders that Amazon already shows as shipped; the pipeline never confirms those back).
     *
     * @return array{area: string, user_type: int|null, user_id: int|null}
     */
    private function source(): array
    {
        try {
            $area = $this->appState->getAreaCode();
        } catch (\Magento\Framework\Exception\LocalizedException) {
            $area = 'unknown';
        }
        $type = $this->userContext->getUserType();
        $id = $this->userContext->getUserId();
        return [
            'area' => (string)$area,
            'user_type' => $type === null ? null : (int)$type,
            'user_id' => $id === null ? null : (int)$id,
        ];
    }
}
